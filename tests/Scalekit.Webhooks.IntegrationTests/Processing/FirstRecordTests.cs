using System.Text.Json;
using Azure.Data.Tables;
using Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Stores;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Testing;

namespace Scalekit.Webhooks.IntegrationTests.Processing;

/// <summary>
/// Ledger rows of events applied without a claim, on their first delivery, written together: one transaction for the
/// events handled at the same time, each found again, and every later delivery, retry or replay kept to one row.
/// </summary>
public sealed class FirstRecordTests : IAsyncLifetime
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    private readonly StorageRequests _requests = new();
    private Azurite _storage = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _storage = await Azurite.StartNewAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("AzureWebJobsStorage", _storage.ConnectionString)]).Build();
        _services = new ServiceCollection().AddLogging().AddScalekitWebhooks(configuration)
            .AddSingleton(_requests.Clients(_storage.ConnectionString))
            // A long linger: the events of a test are written together however slowly this machine runs them.
            .AddSingleton(provider => new EventLedger(provider.GetRequiredService<StorageClients>(), TimeProvider.System, EventLedger.DefaultClaimLease, TimeSpan.FromMinutes(1)))
            .BuildServiceProvider();
        await _services.GetRequiredService<StorageProvisioner>().EnsureCreatedAsync();
        _requests.Clear();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _storage.DisposeAsync();
    }

    private EventConsumer Consumer => _services.GetRequiredService<EventConsumer>();

    private EventLedgerQueries Ledger => _services.GetRequiredService<EventLedgerQueries>();

    [Fact]
    public async Task SixteenFirstDeliveries_HandledTogether_WriteTheirLedgerRowsInOneTransaction()
    {
        var events = Enumerable.Range(0, 16).Select(i => UserUpdate($"evt_together_{i:D2}", $"diruser_together_{i:D2}", At)).ToArray();

        await Task.WhenAll(events.Select(message => Consumer.HandleAsync(message, dequeueCount: 1)));

        var ledgerWrites = Requests().Where(line => line.StartsWith($"POST /{StorageNames.EventLedgerTable}", StringComparison.Ordinal) || line == "POST /$batch").ToArray();
        Assert.Equal(["POST /$batch"], ledgerWrites);
        for (var i = 0; i < 16; i++)
        {
            var entry = await Ledger.FindAsync(ScalekitSource.Id, $"evt_together_{i:D2}");
            Assert.Equal(ProcessingStatus.Processed, entry!.Status);
            Assert.Equal(1, entry.Attempts);
        }

        Assert.Equal(16, await Ledger.ListAsync(new LedgerFilter { Source = ScalekitSource.Id }).CountAsync());
    }

    [Fact]
    public async Task EveryLaterDelivery_OfAnEventRecordedWithOthers_IsADuplicate_AndLeavesOneRow()
    {
        var first = UserUpdate("evt_again", "diruser_again", At);
        await Task.WhenAll(Consumer.HandleAsync(first, dequeueCount: 1), Consumer.HandleAsync(UserUpdate("evt_beside", "diruser_beside", At), dequeueCount: 1));

        // The queue handing the same message out again, and the sender delivering the event again (a new message).
        await Consumer.HandleAsync(first, dequeueCount: 2);
        await Consumer.HandleAsync(first, dequeueCount: 1);
        await Consumer.HandleAsync(first);

        var rows = await RowsOf("evt_again");
        var row = Assert.Single(rows);
        Assert.Equal("processed", row.GetString("Status"));
        Assert.Equal(1, row.GetInt32("Attempts"));
    }

    [Fact]
    public async Task ATransactionThatFails_IsRetriedByTheQueue_AndEachEventIsRecordedOnce()
    {
        var messages = new[] { UserUpdate("evt_retry_a", "diruser_retry_a", At), UserUpdate("evt_retry_b", "diruser_retry_b", At) };
        _requests.FailNext(line => line.EndsWith("/$batch", StringComparison.Ordinal));

        foreach (var failed in messages.Select(message => Consumer.HandleAsync(message, dequeueCount: 1)).ToArray())
        {
            Assert.Equal(503, (await Assert.ThrowsAsync<RequestFailedException>(() => failed)).Status);
        }

        // Their state was written before the ledger write failed; the retries find it applied and record each event.
        await Task.WhenAll(messages.Select(message => Consumer.HandleAsync(message, dequeueCount: 2)));

        foreach (var eventId in new[] { "evt_retry_a", "evt_retry_b" })
        {
            var row = Assert.Single(await RowsOf(eventId));
            Assert.Equal("processed", row.GetString("Status"));
            Assert.Equal(EventLedger.PartitionOf(ScalekitSource.Name, eventId), row.PartitionKey);
        }
    }

    [Fact]
    public async Task ARedeliveryThatFails_OfAnEventRecordedWithOthers_LeavesItsOneRow()
    {
        var eventId = await RecordedAwayFromHomeAsync("evt_refail");

        // The sender delivers the event again and this delivery fails before it writes anything.
        _requests.FailNext(line => line.Contains($"/{StateTables.DirectoryUsers}", StringComparison.Ordinal));
        Assert.Equal(503, (await Assert.ThrowsAsync<RequestFailedException>(() => Consumer.HandleAsync(UserUpdate(eventId, "diruser_" + eventId, At), dequeueCount: 1))).Status);

        var row = Assert.Single(await RowsOf(eventId));
        Assert.Equal("processed", row.GetString("Status"));
        Assert.Equal(ProcessingStatus.Processed, (await Ledger.FindAsync(ScalekitSource.Id, eventId))!.Status);
    }

    [Fact]
    public async Task AFailedFirstAttempt_ThenADeliveryRecordedWithOthers_LeavesOneRowOnceTheQueueRetries()
    {
        var eventIds = Enumerable.Range(0, 16).Select(i => $"evt_failfirst_{i:D2}").ToArray();
        foreach (var eventId in eventIds)
        {
            // Each event's first message fails before it writes anything: its failure is recorded at home.
            _requests.FailNext(line => line.Contains($"/{StateTables.DirectoryUsers}", StringComparison.Ordinal));
            await Assert.ThrowsAsync<RequestFailedException>(() => Consumer.HandleAsync(UserUpdate(eventId, "diruser_" + eventId, At), dequeueCount: 1));
        }

        // The sender delivers each event again (new messages) and these are handled together, written to one bucket.
        await Task.WhenAll(eventIds.Select(eventId => Consumer.HandleAsync(UserUpdate(eventId, "diruser_" + eventId, At), dequeueCount: 1)));

        // The queue retries each failed first message.
        await Task.WhenAll(eventIds.Select(eventId => Consumer.HandleAsync(UserUpdate(eventId, "diruser_" + eventId, At), dequeueCount: 2)));

        foreach (var eventId in eventIds)
        {
            var row = Assert.Single(await RowsOf(eventId));
            Assert.Equal("processed", row.GetString("Status"));
        }
    }

    [Fact]
    public async Task AForcedReplay_OfAnEventRecordedWithOthers_UpdatesItsRowWhereItIs()
    {
        var message = UserUpdate("evt_forced", "diruser_forced", At);
        await Task.WhenAll(Consumer.HandleAsync(message, dequeueCount: 1), Consumer.HandleAsync(UserUpdate("evt_other", "diruser_other", At), dequeueCount: 1));
        var before = Assert.Single(await RowsOf("evt_forced"));

        var envelope = EnvelopeCodec.Decode(message.ToMemory()) with { Forced = true, ReplayCount = 1 };
        await Consumer.HandleAsync(BinaryData.FromBytes(EnvelopeCodec.Encode(envelope)), dequeueCount: 1);

        var after = Assert.Single(await RowsOf("evt_forced"));
        Assert.Equal(before.PartitionKey, after.PartitionKey);
        Assert.Equal(2, after.GetInt32("Attempts"));
        Assert.Equal(1, after.GetInt32("ReplayCount"));
    }

    [Fact]
    public async Task AForcedReplay_WithAnotherOutcomeNow_UpdatesTheRowRecordedWithOthers_WhereItIs()
    {
        var eventId = await RecordedAwayFromHomeAsync("evt_replay_ignored");

        // The deployment was set to another Scalekit environment since: the replay is recorded ignored.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([
            new("AzureWebJobsStorage", _storage.ConnectionString), new(EventModeOptions.ScalekitEnvironmentSetting, "env_elsewhere")]).Build();
        await using var otherEnvironment = new ServiceCollection().AddLogging().AddScalekitWebhooks(configuration).AddSingleton(_requests.Clients(_storage.ConnectionString)).BuildServiceProvider();
        var envelope = EnvelopeCodec.Decode(UserUpdate(eventId, "diruser_" + eventId, At).ToMemory()) with { Forced = true, ReplayCount = 1 };
        await otherEnvironment.GetRequiredService<EventConsumer>().HandleAsync(BinaryData.FromBytes(EnvelopeCodec.Encode(envelope)), dequeueCount: 1);

        var row = Assert.Single(await RowsOf(eventId));
        Assert.Equal(ProcessingStatus.Ignored.Name(), row.GetString("Status"));
        Assert.Equal(2, row.GetInt32("Attempts"));
    }

    [Fact]
    public async Task AnOlderEvent_ArrivingAfterANewerOne_IsRecordedStale_OnItsOwn()
    {
        await Consumer.HandleAsync(UserUpdate("evt_newer", "diruser_order", At.AddMinutes(1)), dequeueCount: 1);
        await Consumer.HandleAsync(UserUpdate("evt_older", "diruser_order", At), dequeueCount: 1);

        Assert.Equal(ProcessingStatus.StaleSkipped, (await Ledger.FindAsync(ScalekitSource.Id, "evt_older"))!.Status);
        Assert.Equal(EventLedger.PartitionOf(ScalekitSource.Name, "evt_older"), Assert.Single(await RowsOf("evt_older")).PartitionKey);
        var user = (await _requests.Clients(_storage.ConnectionString).Tables.GetTableClient(StateTables.DirectoryUsers)
            .GetEntityAsync<TableEntity>(StorageKeys.Key("org_first"), StorageKeys.Key("diruser_order"))).Value;
        Assert.Equal("evt_newer", user.GetString(StateStore.LastEventId));
    }

    [Fact]
    public async Task TheRetentionRun_RemovesThePayloadOfARowRecordedWithOthers()
    {
        await Task.WhenAll(Consumer.HandleAsync(UserUpdate("evt_kept_a", "diruser_kept_a", At), dequeueCount: 1), Consumer.HandleAsync(UserUpdate("evt_kept_b", "diruser_kept_b", At), dequeueCount: 1));
        var payloads = _services.GetRequiredService<PayloadStore>();

        var maintenance = _services.GetRequiredService<EventLedgerMaintenance>();
        await foreach (var entry in maintenance.PayloadEntriesAsync(null))
        {
            Assert.True(await maintenance.RemovePayloadAsync(entry, "retention", payloads));
        }

        foreach (var eventId in new[] { "evt_kept_a", "evt_kept_b" })
        {
            var entry = await Ledger.FindAsync(ScalekitSource.Id, eventId);
            Assert.False(entry!.HoldsPayload);
            Assert.Equal("retention", entry.PayloadRemovedReason);
        }
    }

    [Fact]
    public async Task EventsThatNeedAClaim_AreNotWrittenWithOthers()
    {
        var organization = OrganizationUpdate("evt_org_claimed", At);

        await Task.WhenAll(Consumer.HandleAsync(organization, dequeueCount: 1), Consumer.HandleAsync(UserUpdate("evt_user_beside", "diruser_beside_org", At), dequeueCount: 1));

        var row = Assert.Single(await RowsOf("evt_org_claimed"));
        Assert.Equal(EventLedger.PartitionOf(ScalekitSource.Name, "evt_org_claimed"), row.PartitionKey);
        Assert.Equal("processed", row.GetString("Status"));
    }

    /// <summary>Sixteen events handled together (one transaction, one bucket); the id of one whose row is away from its home bucket.</summary>
    private async Task<string> RecordedAwayFromHomeAsync(string prefix)
    {
        var eventIds = Enumerable.Range(0, 16).Select(i => $"{prefix}_{i:D2}").ToArray();
        await Task.WhenAll(eventIds.Select(eventId => Consumer.HandleAsync(UserUpdate(eventId, "diruser_" + eventId, At), dequeueCount: 1)));
        foreach (var eventId in eventIds)
        {
            if (Assert.Single(await RowsOf(eventId)).PartitionKey != EventLedger.PartitionOf(ScalekitSource.Name, eventId))
            {
                return eventId;
            }
        }

        throw new InvalidOperationException("Every row landed in its home bucket.");
    }

    private async Task<List<TableEntity>> RowsOf(string eventId) =>
        await _requests.Clients(_storage.ConnectionString).LedgerTables.GetTableClient(StorageNames.EventLedgerTable)
            .QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey eq {StorageKeys.Key(eventId)}")).ToListAsync();

    private static BinaryData UserUpdate(string eventId, string userId, DateTimeOffset at) => Message("organization.directory.user_updated", eventId, at,
        ScalekitSamples.Create("organization.directory.user_updated", new SampleOptions { OccurredAt = at, EventId = eventId, DirectoryUserId = userId, OrganizationId = "org_first" }));

    private static BinaryData OrganizationUpdate(string eventId, DateTimeOffset at) => Message("organization.updated", eventId, at,
        ScalekitSamples.Create("organization.updated", new SampleOptions { OccurredAt = at, EventId = eventId, OrganizationId = "org_first", ExternalId = null }));

    private static BinaryData Message(string type, string eventId, DateTimeOffset at, System.Text.Json.Nodes.JsonNode body) => BinaryData.FromBytes(EnvelopeCodec.Encode(new EventEnvelope
    {
        Source = ScalekitSource.Id,
        DeliveryId = "msg_" + eventId,
        EventId = eventId,
        EventType = type,
        OccurredAt = at,
        ReceivedAt = at,
        InlinePayload = JsonSerializer.SerializeToUtf8Bytes(body),
    }));

    /// <summary>The requests seen, as <c>METHOD /path</c> within the account.</summary>
    private string[] Requests() => [.. _requests.Seen.Select(line => line.Replace(" devstoreaccount1/", " /", StringComparison.Ordinal).Replace(" /devstoreaccount1/", " /", StringComparison.Ordinal))];
}
