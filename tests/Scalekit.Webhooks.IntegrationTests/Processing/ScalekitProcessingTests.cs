using System.Net;
using System.Text.Json.Nodes;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.IntegrationTests.Processing;

public class ScalekitProcessingTests(ConsumingHostFixture host) : IClassFixture<ConsumingHostFixture>
{
    private static int s_tick;

    public static TheoryData<string> Types => [.. ScalekitSamples.Types];

    [Theory]
    [MemberData(nameof(Types))]
    public async Task EveryType_PostedThroughIngest_EndsInItsTableRows(string type)
    {
        // Samples share entity ids, so each one happens a little later than the one before.
        var at = Deliveries.Now.AddMilliseconds(Interlocked.Increment(ref s_tick));
        var sample = ScalekitSamples.Create(type, new SampleOptions { OccurredAt = at, EventId = SampleIds.New("evt_") });
        var body = sample.ToJsonString();

        var row = await PostAndWaitAsync(body);

        Assert.Equal(ProcessingStatus.Processed, row.Status);
        using var document = JsonDocument.Parse(body);
        var plan = ScalekitEventMapper.Map(document.RootElement);
        Assert.NotEmpty(plan.Changes);
        foreach (var change in plan.Changes.Select(c => c.ToRow()))
        {
            var state = await Table(change.Table).GetEntityAsync<TableEntity>(StorageKeys.Key(change.PartitionId), StorageKeys.Key(change.RowId));
            Assert.Equal(sample["id"]!.GetValue<string>(), state.Value.GetString(StateStore.LastEventId));
            Assert.Equal(change.SoftDelete, state.Value.ContainsKey(StateStore.DeletedAt));
            foreach (var (name, value) in change.Properties.Where(p => p.Value is string or bool))
            {
                Assert.Equal(value, state.Value[name]);
            }
        }
    }

    [Fact]
    public async Task DirectoryUser_GroupsBecomeMemberRows_AndLeavingAGroupRemovesIt()
    {
        var userId = SampleIds.New("diruser_");
        await PostAndWaitAsync(UserEvent(userId, Deliveries.Now.AddSeconds(-20), "grp_a", "grp_b"));
        await PostAndWaitAsync(UserEvent(userId, Deliveries.Now.AddSeconds(-10), "grp_b"));

        var members = Table(StateTables.DirectoryGroupMembers);
        var a = (await members.GetEntityAsync<TableEntity>("org_62711281101783560", StorageKeys.Key(StorageKeys.Key("grp_a", userId)))).Value;
        var b = (await members.GetEntityAsync<TableEntity>("org_62711281101783560", StorageKeys.Key(StorageKeys.Key("grp_b", userId)))).Value;
        Assert.True(a.ContainsKey(StateStore.DeletedAt), "left grp_a");
        Assert.False(b.ContainsKey(StateStore.DeletedAt), "still in grp_b");
    }

    [Fact]
    public async Task SameEventDeliveredThreeTimes_HasOneEffect()
    {
        var eventId = SampleIds.New("evt_");
        var body = ScalekitSamples.Create("organization.directory.user_updated", new SampleOptions { OccurredAt = Deliveries.Now, EventId = eventId, DirectoryUserId = SampleIds.New("diruser_") }).ToJsonString();
        var first = await PostAndWaitAsync(body);
        using var document = JsonDocument.Parse(body);
        var change = ScalekitEventMapper.Map(document.RootElement).Changes[0].ToRow();
        var before = (await Table(change.Table).GetEntityAsync<TableEntity>(StorageKeys.Key(change.PartitionId), StorageKeys.Key(change.RowId))).Value.ETag;

        for (var i = 0; i < 2; i++)
        {
            // A redelivery keeps its webhook-id but carries a fresh timestamp and signature.
            using var response = await host.Client.PostAsync("scalekit", body, Deliveries.SignScalekit(body, host.ScalekitSecret, Deliveries.SigningTime.AddSeconds(i + 1), webhookId: "msg_redelivered"));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        await Eventually(async () => (await host.Queue(Storage.StorageNames.QueueFor(ScalekitSource.Id)).GetPropertiesAsync()).Value.ApproximateMessagesCount == 0);
        var after = (await Table(change.Table).GetEntityAsync<TableEntity>(StorageKeys.Key(change.PartitionId), StorageKeys.Key(change.RowId))).Value.ETag;
        var ledger = await Ledger.FindAsync(ScalekitSource.Id, eventId);
        Assert.Equal(before, after);
        Assert.Equal(1, ledger!.Attempts);
        Assert.Equal(ProcessingStatus.Processed, first.Status);
    }

    [Fact]
    public async Task UpdatedAtT2ThenUpdatedAtT1_KeepsT2AndRecordsT1AsStale()
    {
        var orgId = SampleIds.New("org_");
        var t2 = OrganizationEvent(orgId, Deliveries.Now.AddSeconds(-5), "Name at t2");
        var t1 = OrganizationEvent(orgId, Deliveries.Now.AddSeconds(-50), "Name at t1");

        await PostAndWaitAsync(t2);
        var stale = await PostAndWaitAsync(t1);

        var state = await host.Host.Services.GetRequiredService<OrganizationStore>().GetAsync(orgId);
        Assert.Equal("Name at t2", state!.DisplayName);
        Assert.Equal(ProcessingStatus.StaleSkipped, stale.Status);
    }

    [Fact]
    public async Task UnknownType_IsRecordedAsIgnoredNotFailed()
    {
        var body = new JsonObject { ["id"] = SampleIds.New("evt_"), ["type"] = "organization.teleported", ["occurred_at"] = "2026-11-24T05:00:00Z", ["data"] = new JsonObject { ["id"] = "org_x" } }.ToJsonString();
        var row = await PostAndWaitAsync(body);
        Assert.Equal(ProcessingStatus.Ignored, row.Status);
    }

    [Fact]
    public async Task KnownTypeWithBrokenData_IsParkedWithItsReasonNotRetried()
    {
        var body = new JsonObject { ["id"] = SampleIds.New("evt_"), ["type"] = "role.created", ["occurred_at"] = "2026-11-24T05:00:00Z", ["data"] = new JsonObject { ["display_name"] = "no id or name" } }.ToJsonString();
        var row = await PostAndWaitAsync(body);
        Assert.Equal(ProcessingStatus.Parked, row.Status);
        Assert.Contains("'id'", row.Detail, StringComparison.Ordinal);
        Assert.Equal(1, row.Attempts);
    }

    [Fact]
    public async Task Billing_WithoutScalekitCredentials_RunsDryAndRecordsTheIntendedPatch()
    {
        var customer = SampleIds.New("cus_");
        var orgId = SampleIds.New("org_");
        await PostAndWaitAsync(ScalekitSamples.Create("organization.created", new SampleOptions { OccurredAt = Deliveries.Now, OrganizationId = orgId, ExternalId = customer, EventId = SampleIds.New("evt_") }).ToJsonString());

        var row = await PostAndWaitAsync(StripeSource.Id, StripeSamples.Create("customer.subscription.updated", new SampleOptions { OccurredAt = Deliveries.Now, CustomerId = customer }).ToJsonString());

        Assert.Equal(ProcessingStatus.Processed, row.Status);
        Assert.Contains("dry-run", row.Detail, StringComparison.Ordinal);
        Assert.Contains("\"subscription_status\":\"active\"", row.Detail, StringComparison.Ordinal);
        Assert.Contains("\"tier\":\"gold\"", row.Detail, StringComparison.Ordinal);
        var sync = (await host.Host.Services.GetRequiredService<CustomerBillingStore>().GetAsync(customer))!.LastAttempt!;
        Assert.Equal(SyncResults.DryRun, sync.Result);
        Assert.Equal(orgId, sync.OrganizationId);
        Assert.Equal("active", sync.Metadata!["subscription_status"]);
    }

    [Fact]
    public async Task Billing_ForAnUnknownCustomer_WaitsForAnOrganization()
    {
        var row = await PostAndWaitAsync(StripeSource.Id, StripeSamples.Create("customer.subscription.created", new SampleOptions { OccurredAt = Deliveries.Now, CustomerId = SampleIds.New("cus_") }).ToJsonString());
        Assert.Equal(ProcessingStatus.WaitingForOrganization, row.Status);
        Assert.Equal(1, row.Attempts);
    }

    private EventLedgerQueries Ledger => host.Host.Services.GetRequiredService<EventLedgerQueries>();

    private TableClient Table(string name) => host.Clients.Tables.GetTableClient(name);

    private Task<LedgerEntry> PostAndWaitAsync(string body) => PostAndWaitAsync(ScalekitSource.Id, body);

    private async Task<LedgerEntry> PostAndWaitAsync(WebhookSource source, string body)
    {
        var headers = source == ScalekitSource.Id ? Deliveries.SignScalekit(body, host.ScalekitSecret) : Deliveries.SignStripe(body, host.StripeSecret);
        using var response = await host.Client.PostAsync(source.Name, body, headers);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var eventId = (await response.JsonAsync()).GetProperty("event_id").GetString()!;
        LedgerEntry? row = null;
        await Eventually(async () =>
        {
            row = await Ledger.FindAsync(source, eventId);
            return row?.Status is { } status && (status.IsFinal() || status == ProcessingStatus.WaitingForOrganization);
        });
        return row!;
    }

    private static string OrganizationEvent(string orgId, DateTimeOffset at, string name)
    {
        var sample = ScalekitSamples.Create("organization.updated", new SampleOptions { OccurredAt = at, OrganizationId = orgId, EventId = SampleIds.New("evt_") });
        sample["data"]!["display_name"] = name;
        return sample.ToJsonString();
    }

    private static string UserEvent(string userId, DateTimeOffset at, params string[] groups)
    {
        var sample = ScalekitSamples.Create("organization.directory.user_updated", new SampleOptions { OccurredAt = at, DirectoryUserId = userId, EventId = SampleIds.New("evt_") });
        sample["data"]!["groups"] = new JsonArray([.. groups.Select(g => (JsonNode)new JsonObject { ["id"] = g, ["name"] = g })]);
        return sample.ToJsonString();
    }

    internal static async Task Eventually(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < limit, $"condition not met within {limit.TotalSeconds} s");
            await Task.Delay(50);
        }
    }
}
