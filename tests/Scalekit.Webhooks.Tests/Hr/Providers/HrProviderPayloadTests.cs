using System.Text;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Hr.Providers;
using Scalekit.Webhooks.Hr.Providers.BambooHr;
using Scalekit.Webhooks.Hr.Providers.HiBob;
using Scalekit.Webhooks.Hr.Providers.Merge;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Tests.Hr.Providers;

public class HrProviderPayloadTests
{
    private static readonly DateTimeOffset At = new(2026, 1, 31, 18, 42, 0, TimeSpan.Zero);

    private static readonly HrConnection Bamboo = new("bamboo", "org_1", "bamboohr", ["key"], null)
    {
        Fields = new Dictionary<string, string> { [BambooHrProvider.CompanyDomain] = "acme", [BambooHrProvider.CompanyId] = "12345" },
        ApiCredential = "api",
    };

    private static readonly HrConnection Bob = new("bob", "org_2", "hibob", ["secret"], null)
    {
        Fields = new Dictionary<string, string> { [HiBobProvider.CompanyId] = "637323", [HiBobProvider.ServiceUserId] = "SU" },
        ApiCredential = "token",
    };

    [Fact]
    public void BambooHr_EventBased_IsOneEventOfTheEmployee_WithTheTimeOfItsPlusZeroZeroOffset()
    {
        var delivery = BambooHrPayload.Split(Bamboo, Bytes(BambooHrSamples.Event("employee.updated", "67890", "12345", At)));

        var item = Assert.Single(delivery.Events);
        Assert.Equal(("bamboo", "employee.updated", "67890", At), (item.ConnectionId, item.EventType, item.EntityKey, item.OccurredAt));
        Assert.StartsWith("bamboohr-", item.EventId, StringComparison.Ordinal);
    }

    [Fact]
    public void BambooHr_AnotherCompany_IsRefused_NamingTheField()
    {
        var delivery = BambooHrPayload.Split(Bamboo, Bytes(BambooHrSamples.Event("employee.updated", "67890", "99999", At)));

        Assert.Equal(WebhookRejection.InvalidEvent, delivery.Refusal?.Rejection);
        Assert.StartsWith("data.companyId is not the company of connection bamboo", delivery.Refusal?.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void BambooHr_FieldBasedWithThreeEmployees_IsThreeEvents_EachStoringOnlyItsEmployee()
    {
        var body = BambooHrSamples.FieldBased(At, ("1", "Created"), ("2", "Updated"), ("3", "Deleted"));

        var delivery = BambooHrPayload.Split(Bamboo, Bytes(body));

        Assert.Equal(["1", "2", "3"], delivery.Events.Select(e => e.EntityKey));
        Assert.Equal(["employee.created", "employee.updated", "employee.deleted"], delivery.Events.Select(e => e.EventType));
        Assert.Equal(3, delivery.Events.Select(e => e.EventId).Distinct().Count());
        Assert.True(BambooHrPayload.TryReadThin(delivery.Events[2].Payload, out var employee, out var type, out _));
        Assert.Equal(("3", "employee.deleted"), (employee, type));
    }

    [Fact]
    public void BambooHr_FieldBasedEmployeeWithoutAction_IsRefused_NamingIt()
    {
        var delivery = BambooHrPayload.Split(Bamboo, Bytes("""{"employees":[{"id":"1","action":"Created"},{"id":"2"}]}"""));

        Assert.StartsWith("employees[1] needs an id", delivery.Refusal?.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Ping test")]
    [InlineData("""{"text":"Ping test"}""")]
    public void HiBob_PingTest_IsAPing(string body) => Assert.True(HiBobPayload.Read(Bob, Bytes(body)).IsPing);

    [Fact]
    public void HiBob_Event_IsOneEventOfTheEmployee_AndAnotherCompanyIsRefused()
    {
        var delivery = HiBobPayload.Read(Bob, Bytes(HiBobSamples.Event("employee.joined", "3332883894", "637323", At)));
        var other = HiBobPayload.Read(Bob, Bytes(HiBobSamples.Event("employee.joined", "3332883894", "111", At)));

        var item = Assert.Single(delivery.Events);
        Assert.Equal(("employee.joined", "3332883894", At), (item.EventType, item.EntityKey, item.OccurredAt));
        Assert.StartsWith("companyId is not the company of connection bob", other.Refusal?.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Merge_ConnectionIsTheOneWithTheLinkedAccountsOrigin_NoneIsUnmatched_NullIsRefused()
    {
        HrConnection[] connections =
        [
            new("m-acme", "org_1", "merge", [], null) { Fields = new Dictionary<string, string> { [MergeProvider.EndUserOriginId] = "org_1" } },
            new("m-globex", "org_2", "merge", [], null) { Fields = new Dictionary<string, string> { [MergeProvider.EndUserOriginId] = "globex-origin" } },
        ];
        ValueTask<HrConnection?> Find(string origin, CancellationToken _) => ValueTask.FromResult(connections.FirstOrDefault(c => c.Field(MergeProvider.EndUserOriginId) == origin));
        var options = new SampleOptions { OccurredAt = At, EmployeeId = "emp-1" };

        var found = await MergePayload.ReadAsync(Find, Bytes(MergeSamples.Event("Employee.changed", "globex-origin", options.ToHrSample("Employee.changed"))));
        var unknown = await MergePayload.ReadAsync(Find, Bytes(MergeSamples.Event("Employee.changed", "nobody", options.ToHrSample("Employee.changed"))));
        var missing = await MergePayload.ReadAsync(Find, Bytes(MergeSamples.Event("Employee.changed", null, options.ToHrSample("Employee.changed"))));
        var otherModel = await MergePayload.ReadAsync(Find, Bytes(MergeSamples.Event("Employment.changed", "org_1", options.ToHrSample("Employment.changed"))));

        Assert.Equal("m-globex", Assert.Single(found.Events).ConnectionId);
        Assert.NotNull(unknown.NoConnection);
        Assert.StartsWith("linked_account.end_user_origin_id is missing", missing.Refusal?.Detail, StringComparison.Ordinal);
        Assert.Empty(otherModel.Events);
        Assert.Null(otherModel.Refusal);
    }

    [Theory]
    [InlineData("Employee.added", "ACTIVE", false, null, HrEventType.Hired)]
    [InlineData("Employee.changed", "ACTIVE", false, null, HrEventType.Updated)]
    [InlineData("employee.updated", "INACTIVE", false, null, HrEventType.Terminated)]
    [InlineData("Employee.changed", "ACTIVE", false, "2026-01-01", HrEventType.Terminated)]
    [InlineData("Employee.changed", "ACTIVE", false, "2026-12-31", HrEventType.Updated)]
    [InlineData("Employee.changed", "ACTIVE", true, null, HrEventType.Terminated)]
    [InlineData("Employee.removed", "ACTIVE", false, null, HrEventType.Terminated)]
    public void Merge_StateMapping(string hookEvent, string status, bool deleted, string? terminationDate, HrEventType expected)
    {
        var options = new SampleOptions { OccurredAt = At, EmployeeId = "emp-1", Department = "Sales" };

        var read = MergePayload.ToEvent(Bytes(MergeSamples.Event(hookEvent, "org_1", options.ToHrSample(hookEvent), new MergeEmployeeState(status, deleted, terminationDate))), At);

        Assert.Equal(expected, read.Event?.Type);
        if (expected != HrEventType.Terminated)
        {
            Assert.Equal(("Sales", "ada@acme.example"), (read.Event!.Employee.Department, read.Event.Employee.Email));
        }
    }

    [Fact]
    public void Merge_Pending_IsIgnoredUntilActive()
    {
        var read = MergePayload.ToEvent(Bytes(MergeSamples.Event("Employee.added", "org_1", (new SampleOptions { OccurredAt = At }).ToHrSample("Employee.added"), new MergeEmployeeState("PENDING"))), At);

        Assert.Contains("PENDING", read.IgnoredReason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HrEventType.Updated, null, HrEventType.Hired)]
    [InlineData(HrEventType.Updated, "terminated", HrEventType.Hired)]
    [InlineData(HrEventType.Updated, "active", HrEventType.Updated)]
    [InlineData(HrEventType.Updated, "on_leave", HrEventType.Returned)]
    [InlineData(HrEventType.Hired, "on_leave", HrEventType.Returned)]
    [InlineData(HrEventType.OnLeave, "active", HrEventType.OnLeave)]
    [InlineData(HrEventType.Terminated, "active", HrEventType.Terminated)]
    public void Settle_StateEventAgainstTheLastRecord(HrEventType derived, string? knownStatus, HrEventType expected)
    {
        var hrEvent = new HrEvent("e", derived, At, new HrEmployee("1", "ada@acme.example"));
        var known = knownStatus is null ? null : new EmployeeRecord("org_1", "1") { Status = knownStatus };

        Assert.Equal(expected, HrEmployeeProcessor.Settle(hrEvent, known).Type);
    }

    [Fact]
    public void Settle_TerminationOfAGoneEmployee_KeepsTheRecordedEmail()
    {
        var gone = new HrEvent("e", HrEventType.Terminated, At, new HrEmployee("1", string.Empty));

        Assert.Equal("ada@acme.example", HrEmployeeProcessor.Settle(gone, new EmployeeRecord("org_1", "1") { Email = "ada@acme.example", Status = "active" }).Employee.Email);
    }

    private static ReadOnlyMemory<byte> Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
