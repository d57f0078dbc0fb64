using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.IntegrationTests.Stores;

/// <summary>Dead letters as typed entries: one partition per source, listings that walk the sources, one status vocabulary.</summary>
public class DeadLetterStoreTests(StorageFixture storage) : IClassFixture<StorageFixture>
{
    private DeadLetterStore Store => new(storage.Clients, TimeProvider.System);

    [Fact]
    public async Task ListingWithoutASource_WalksEverySourcesPartition_PageByPage()
    {
        var parked = new List<(WebhookSource, string)>();
        foreach (var (source, count) in new[] { (ScalekitSource.Id, 3), (StripeSource.Id, 2), (HrSource.Id, 1) })
        {
            for (var i = 0; i < count; i++)
            {
                var eventId = $"evt_walk/{source}#{i}";
                await Store.ParkAsync(new DeadLetterParking(source, eventId, "type.walk", BinaryData.FromString("{}"), "walk", 1, 0, null));
                parked.Add((source, eventId));
            }
        }

        var seen = new List<(WebhookSource, string)>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await Store.ListAsync(null, "type.walk", null, 2, token);
            Assert.InRange(page.Items.Count, 1, 2);
            seen.AddRange(page.Items.Select(entry => (entry.Source, entry.EventId)));
            token = page.ContinuationToken;
            pages++;
        }
        while (token is not null && pages < 20);

        Assert.Equal(
            parked.OrderBy(e => e.Item1.Name, StringComparer.Ordinal).ThenBy(e => e.Item2, StringComparer.Ordinal),
            seen.OrderBy(e => e.Item1.Name, StringComparer.Ordinal).ThenBy(e => e.Item2, StringComparer.Ordinal));
    }

    [Fact]
    public async Task StatusChanges_AreTypedAndFiltered_AndParkedIsTheLedgersWord()
    {
        var eventId = "evt_status?1";
        await Store.ParkAsync(new DeadLetterParking(StripeSource.Id, eventId, "type.status", BinaryData.FromString("{\"a\":1}"), "bad", 3, 1, null));

        var entry = await Store.FindAsync(StripeSource.Id, eventId);
        Assert.Equal(DeadLetterStatus.Parked, entry!.Status);
        Assert.Equal(ProcessingStatus.Parked.Name(), entry.Status.Name());
        Assert.Equal("{\"a\":1}", entry.Message!.ToString());

        await Store.MarkAsync(StripeSource.Id, eventId, DeadLetterStatus.Resolved);

        entry = await Store.FindAsync(StripeSource.Id, eventId);
        Assert.Equal(DeadLetterStatus.Resolved, entry!.Status);
        Assert.NotNull(entry.ResolvedAt);
        Assert.Empty((await Store.ListAsync(StripeSource.Id, "type.status", DeadLetterStatus.Parked, 10, null)).Items);
        Assert.Single((await Store.ListAsync(StripeSource.Id, "type.status", DeadLetterStatus.Resolved, 10, null)).Items);
        Assert.True(DeadLetterStatuses.TryParse("PARKED", out var parsed) && parsed == DeadLetterStatus.Parked);
        Assert.False(DeadLetterStatuses.TryParse("gone", out _));
    }
}
