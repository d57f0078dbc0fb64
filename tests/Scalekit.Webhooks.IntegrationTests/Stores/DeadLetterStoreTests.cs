using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;

namespace Scalekit.Webhooks.IntegrationTests.Stores;

/// <summary>Dead letters as typed entries: one partition per source, listings that walk the sources, one status vocabulary.</summary>
public class DeadLetterStoreTests(StorageFixture storage) : IClassFixture<StorageFixture>
{
    private DeadLetterStore Store => new(storage.Clients, TimeProvider.System);

    [Fact]
    public async Task ListingWithoutASource_WalksEverySourcesPartition_PageByPage()
    {
        var parked = new List<(WebhookSource, string)>();
        foreach (var (source, count) in new[] { (WebhookSource.Scalekit, 3), (WebhookSource.Stripe, 2), (WebhookSource.Hr, 1) })
        {
            for (var i = 0; i < count; i++)
            {
                var eventId = $"evt_walk/{source}#{i}";
                await Store.ParkAsync(source, eventId, "type.walk", BinaryData.FromString("{}"), "walk", 1, 0, null);
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

        Assert.Equal(parked.Order(), seen.Order());
    }

    [Fact]
    public async Task StatusChanges_AreTypedAndFiltered_AndParkedIsTheLedgersWord()
    {
        var eventId = "evt_status?1";
        await Store.ParkAsync(WebhookSource.Stripe, eventId, "type.status", BinaryData.FromString("{\"a\":1}"), "bad", 3, 1, null);

        var entry = await Store.FindAsync(WebhookSource.Stripe, eventId);
        Assert.Equal(DeadLetterStatus.Parked, entry!.Status);
        Assert.Equal(ProcessingStatus.Parked.Name(), entry.Status.Name());
        Assert.Equal("{\"a\":1}", entry.Message!.ToString());

        await Store.MarkAsync(WebhookSource.Stripe, eventId, DeadLetterStatus.Resolved);

        entry = await Store.FindAsync(WebhookSource.Stripe, eventId);
        Assert.Equal(DeadLetterStatus.Resolved, entry!.Status);
        Assert.NotNull(entry.ResolvedAt);
        Assert.Empty((await Store.ListAsync(WebhookSource.Stripe, "type.status", DeadLetterStatus.Parked, 10, null)).Items);
        Assert.Single((await Store.ListAsync(WebhookSource.Stripe, "type.status", DeadLetterStatus.Resolved, 10, null)).Items);
        Assert.True(DeadLetterStatuses.TryParse("PARKED", out var parsed) && parsed == DeadLetterStatus.Parked);
        Assert.False(DeadLetterStatuses.TryParse("gone", out _));
    }
}
