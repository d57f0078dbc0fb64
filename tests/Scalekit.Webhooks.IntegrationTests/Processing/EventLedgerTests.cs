using System.Text;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;
using Scalekit.Webhooks.Testing;

namespace Scalekit.Webhooks.IntegrationTests.Processing;

/// <summary>The ledger store against Azurite: partition spreading, listings over the buckets, the legacy-key migration.</summary>
public sealed class EventLedgerTests : IAsyncLifetime
{
    private Azurite _storage = null!;
    private StorageClients _clients = null!;

    public async Task InitializeAsync()
    {
        _storage = await Azurite.StartNewAsync();
        _clients = StorageClients.FromConfiguration(
            new ConfigurationBuilder().AddInMemoryCollection([new("AzureWebJobsStorage", _storage.ConnectionString)]).Build(),
            StorageRetry.Default);
        await new StorageProvisioner(_clients).EnsureCreatedAsync();
    }

    public async Task DisposeAsync() => await _storage.DisposeAsync();

    [Fact]
    public async Task ThousandEvents_LandInEveryBucketOfTheirSource_NoneHot_AndAreFoundAndListed()
    {
        var ledger = new EventLedger(_clients, TimeProvider.System);
        var queries = new EventLedgerQueries(_clients);
        var ids = Enumerable.Range(0, 1000).Select(i => $"evt_spread_{i:D4}").ToArray();
        await Concurrently.ForEachIndexAsync(0, ids.Length, workers: 16, async (_, i) =>
            await ledger.CompleteAsync((await ledger.ClaimAsync(Envelope(ScalekitSource.Id, ids[i]), Payload(ids[i])))!, ProcessingOutcome.Applied("applied")));

        var perPartition = new Dictionary<string, int>(StringComparer.Ordinal);
        await foreach (var row in _clients.LedgerTables.GetTableClient(StorageNames.EventLedgerTable).QueryAsync<TableEntity>(select: ["PartitionKey"]))
        {
            perPartition[row.PartitionKey] = perPartition.GetValueOrDefault(row.PartitionKey) + 1;
        }

        Assert.Equal(EventLedger.PartitionsOf("scalekit").Order(StringComparer.Ordinal), perPartition.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(1000, perPartition.Values.Sum());
        // An even spread puts 62.5 rows in each of 16 buckets; twice that would be a hot spot.
        Assert.All(perPartition, pair => Assert.InRange(pair.Value, 1, 125));
        Assert.Equal(ProcessingStatus.Processed, (await queries.FindAsync(ScalekitSource.Id, ids[737]))!.Status);
        Assert.Null(await queries.FindAsync(StripeSource.Id, ids[737]));
        var listed = await queries.ListAsync(new LedgerFilter { Source = ScalekitSource.Id, Status = "processed" }).Select(e => e.EventId).ToListAsync();
        Assert.Equal(ids, listed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Search_PagesThroughOneSourcesBucketsOnly()
    {
        var ledger = new EventLedger(_clients, TimeProvider.System);
        foreach (var (source, count) in new[] { (ScalekitSource.Id, 30), (StripeSource.Id, 10), (HrSource.Id, 5) })
        {
            for (var i = 0; i < count; i++)
            {
                var id = $"evt_{source.Name}_{i:D2}";
                await ledger.ClaimAsync(Envelope(source, id), Payload(id));
            }
        }

        var found = new List<LedgerEntry>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await new EventLedgerQueries(_clients).SearchAsync(new LedgerFilter { Source = StripeSource.Id }, 4, token);
            Assert.InRange(page.Entries.Count, 0, 4);
            found.AddRange(page.Entries);
            token = page.ContinuationToken;
            pages++;
        }
        while (token is not null && pages < 50);

        Assert.Equal(10, found.Count);
        Assert.All(found, entry => Assert.Equal("stripe", entry.Source));
        Assert.Equal(45, (await new EventLedgerQueries(_clients).SearchAsync(new LedgerFilter(), 1000, null)).Entries.Count);
    }

    [Fact]
    public async Task Migrate_MovesLegacyRowsToTheirBucket_KeepingEveryColumn_AndIsSafeToRunAgain()
    {
        var table = _clients.LedgerTables.GetTableClient(StorageNames.EventLedgerTable);
        var receivedAt = new DateTimeOffset(2026, 11, 20, 8, 0, 0, TimeSpan.Zero);
        // A row as the ledger wrote it before partitions were spread: the bare source name as partition.
        await table.AddEntityAsync(new TableEntity("stripe", StorageKeys.Key("evt_legacy/1"))
        {
            ["EventId"] = "evt_legacy/1",
            ["EventType"] = "invoice.paid",
            ["Status"] = "waiting-for-organization",
            ["Attempts"] = 3,
            ["CustomerId"] = "cus_legacy",
            ["ReceivedAt"] = receivedAt,
            ["Payload"] = "{\"id\":\"evt_legacy/1\"}",
        });
        var maintenance = new EventLedgerMaintenance(_clients, TimeProvider.System);
        var queries = new EventLedgerQueries(_clients);
        Assert.Null(await queries.FindAsync(StripeSource.Id, "evt_legacy/1"));
        Assert.Equal(1, await maintenance.MigrateAsync(dryRun: true));
        Assert.Null(await queries.FindAsync(StripeSource.Id, "evt_legacy/1"));

        Assert.Equal(1, await maintenance.MigrateAsync());

        var entry = await queries.FindAsync(StripeSource.Id, "evt_legacy/1");
        Assert.NotNull(entry);
        Assert.Equal(("stripe", "invoice.paid", ProcessingStatus.WaitingForOrganization, 3, "cus_legacy", receivedAt), (entry.Source, entry.EventType, entry.Status, entry.Attempts, entry.CustomerId, entry.ReceivedAt));
        Assert.Equal("{\"id\":\"evt_legacy/1\"}", entry.Payload);
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>("stripe", StorageKeys.Key("evt_legacy/1"))).HasValue);
        Assert.Equal(1, await new EventLedger(_clients, TimeProvider.System).ResolveWaitingAsync(StripeSource.Id, "cus_legacy", ProcessingOutcome.GaveUpWaiting("window ended")));
        Assert.Equal(0, await maintenance.MigrateAsync());
    }

    [Fact]
    public async Task IdsThatDifferOnlyInSlash_HaveTheirOwnEntries()
    {
        var ledger = new EventLedger(_clients, TimeProvider.System);
        await ledger.ClaimAsync(Envelope(ScalekitSource.Id, "evt_a/b"), Payload("evt_a/b"));
        Assert.NotNull(await ledger.ClaimAsync(Envelope(ScalekitSource.Id, "evt_a_b"), Payload("evt_a_b")));
        var queries = new EventLedgerQueries(_clients);
        Assert.Equal("evt_a/b", (await queries.FindAsync(ScalekitSource.Id, "evt_a/b"))!.EventId);
        Assert.Equal("evt_a_b", (await queries.FindAsync(ScalekitSource.Id, "evt_a_b"))!.EventId);
    }

    private static EventEnvelope Envelope(WebhookSource source, string eventId) => new()
    {
        Source = source,
        DeliveryId = "msg_" + eventId,
        EventId = eventId,
        EventType = "organization.updated",
        ReceivedAt = TimeProvider.System.GetUtcNow(),
    };

    private static byte[] Payload(string eventId) => Encoding.UTF8.GetBytes($"{{\"id\":\"{eventId}\"}}");
}
