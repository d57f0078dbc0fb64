using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.IntegrationTests.Stores;

/// <summary>
/// The employee sync lease against Azurite: the save gives the lease back in its own write, a row this process wrote
/// last is leased without a read, and a write by anyone else is read before anything is decided.
/// </summary>
public class EmployeeLeaseTests(StorageFixture storage) : IClassFixture<StorageFixture>
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private readonly StorageRequests _requests = new();
    private readonly FakeTimeProvider _time = new(At);
    private readonly string _org = SampleIds.New("org_hr");
    private readonly string _employee = SampleIds.New("E-");

    [Fact]
    public async Task TheNextEventOfAnEmployeeThisProcessSavedLast_ReadsNothing_AndSavesInOneWrite()
    {
        var employees = Store();
        await SyncAsync(employees, "evt_1", At);

        _requests.Clear();
        await SyncAsync(employees, "evt_2", At.AddSeconds(1));

        Assert.Equal(["PUT", "PUT"], _requests.Seen.Select(line => line.Split(' ')[0]));
        Assert.Null(await LeaseOfAsync());
        Assert.Equal("evt_2", (await employees.FindAsync(_org, _employee))!.LastEvent!.EventId);
    }

    [Fact]
    public async Task SomeoneElseWroteTheRowDuringTheLease_TheSaveReadsIt_AndStillGivesTheLeaseBack()
    {
        var employees = Store();
        await SyncAsync(employees, "evt_1", At);
        var lease = await employees.AcquireAsync(_org, _employee);
        await Store().RecordFailureAsync(_org, _employee, "a failure recorded by another consumer");

        Assert.Equal(ApplyResult.Applied, await employees.SaveAsync(lease, Employee("evt_2"), Stamp("evt_2", At.AddSeconds(1))));
        await employees.ReleaseAsync(lease);

        Assert.Null(await LeaseOfAsync());
        var saved = (await Store().FindAsync(_org, _employee))!;
        Assert.Equal("evt_2", saved.LastEvent!.EventId);
        Assert.Equal("updated", saved.LastSyncResult);
    }

    [Fact]
    public async Task ALapsedLeaseTakenOverByAnother_IsNotGivenBackByTheFirstHoldersSave()
    {
        var first = Store();
        var lease = await first.AcquireAsync(_org, _employee);
        _time.Advance(EmployeeStore.SyncLease + TimeSpan.FromSeconds(1));
        var second = Store();
        var taken = await second.AcquireAsync(_org, _employee);

        await first.SaveAsync(lease, Employee("evt_1"), Stamp("evt_1", At));
        await first.ReleaseAsync(lease);

        Assert.Equal(taken.LeaseId, await LeaseOfAsync());
        await second.ReleaseAsync(taken);
        Assert.Null(await LeaseOfAsync());
    }

    [Fact]
    public async Task AStaleEvent_WritesNothing_AndTheLeaseIsGivenBack()
    {
        var employees = Store();
        await SyncAsync(employees, "evt_2", At.AddSeconds(1));

        var lease = await employees.AcquireAsync(_org, _employee);
        Assert.Equal(ApplyResult.Stale, await employees.SaveAsync(lease, Employee("evt_1"), Stamp("evt_1", At)));
        await employees.ReleaseAsync(lease);

        Assert.Null(await LeaseOfAsync());
        Assert.Equal("evt_2", (await employees.FindAsync(_org, _employee))!.LastEvent!.EventId);
    }

    /// <summary>A store of its own process: its own memory of what it wrote.</summary>
    private EmployeeStore Store()
    {
        var clients = _requests.Clients(storage.Storage.ConnectionString);
        return new EmployeeStore(new StateStore(clients, _time), clients, _time);
    }

    private async Task SyncAsync(EmployeeStore employees, string eventId, DateTimeOffset at)
    {
        var lease = await employees.AcquireAsync(_org, _employee);
        Assert.Equal(ApplyResult.Applied, await employees.SaveAsync(lease, Employee(eventId), Stamp(eventId, at)));
        await employees.ReleaseAsync(lease);
    }

    private EmployeeRecord Employee(string eventId) => new(_org, _employee) { Email = $"{eventId}@example.com", Status = "active", LastSyncResult = "updated" };

    private static EventStamp Stamp(string eventId, DateTimeOffset at) => new(at, eventId, "employee.updated");

    private async Task<string?> LeaseOfAsync()
    {
        var row = await storage.Clients.Tables.GetTableClient(StateTables.Employees).GetEntityAsync<TableEntity>(StorageKeys.Key(_org), StorageKeys.Key(_employee));
        return row.Value.GetString("SyncLeaseId");
    }
}
