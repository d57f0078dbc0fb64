using System.Net;
using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.IntegrationTests.Sharding;

/// <summary>A receiving host (no consumers) that spreads each source over four queue shards.</summary>
public sealed class FourShardHostFixture : LocalHostFixture
{
    public const int Shards = 4;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        [EventQueueOptions.ShardsSetting] = Shards.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [DeadLetterOptions.BaseDelaySetting] = "0",
    };
}

public class ShardedIngestTests(FourShardHostFixture host) : IClassFixture<FourShardHostFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => host.ClearQueuesAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Ingest_SpreadsOrganizationsOverEveryShard_AndKeepsEachOrganizationOnOneShard()
    {
        // Fixed ids, so the spread is the same on every run; the hash is stable across processes.
        var organizations = Enumerable.Range(0, 16).Select(i => $"org_spread_{i:D2}").ToList();
        foreach (var organization in organizations)
        {
            foreach (var type in new[] { "organization.updated", "organization.domain_created" })
            {
                var body = JsonSerializer.Serialize(ScalekitSamples.Create(type, new SampleOptions { OccurredAt = Deliveries.Now, EventId = SampleIds.New("evt_"), OrganizationId = organization }));
                using var response = await host.Client.PostAsync("scalekit", body, Deliveries.SignScalekit(body, host.ScalekitSecret));
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            }
        }

        var placed = await EnvelopesByShardAsync(ScalekitSource.Id);

        Assert.Equal(32, placed.Sum(shard => shard.Value.Count));
        Assert.All(Enumerable.Range(0, FourShardHostFixture.Shards), shard => Assert.NotEmpty(placed[shard]));
        Assert.All(placed.Where(shard => shard.Key >= FourShardHostFixture.Shards), shard => Assert.Empty(shard.Value));
        foreach (var (shard, envelopes) in placed)
        {
            Assert.All(envelopes, envelope =>
            {
                Assert.Equal(EventShards.ShardOf(envelope.ShardKey!, FourShardHostFixture.Shards), shard);
                Assert.StartsWith("org_spread_", envelope.ShardKey, StringComparison.Ordinal);
            });
        }

        // Both events of each organization share a shard.
        Assert.All(placed.Values.SelectMany(e => e).GroupBy(e => e.ShardKey), group => Assert.Equal(2, group.Count()));
        Assert.All(organizations, organization => Assert.Single(placed, shard => shard.Value.Any(e => e.ShardKey == organization)));
    }

    [Fact]
    public async Task Ingest_StripeByCustomer_AndHrByEmployee_ShareAShardPerEntity()
    {
        for (var i = 0; i < 8; i++)
        {
            foreach (var type in new[] { "customer.subscription.created", "customer.subscription.updated" })
            {
                var body = JsonSerializer.Serialize(StripeSamples.Create(type, new SampleOptions { OccurredAt = Deliveries.Now, EventId = SampleIds.New("evt_"), CustomerId = $"cus_spread_{i}" }));
                using var response = await host.Client.PostAsync("stripe", body, Deliveries.SignStripe(body, host.StripeSecret));
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            }

            foreach (var type in new[] { "employee.hired", "employee.updated" })
            {
                var body = Deliveries.HrBody(type, new SampleOptions { OccurredAt = Deliveries.Now, EventId = SampleIds.New("hrevt_"), EmployeeId = $"E-spread-{i}" });
                using var response = await host.Client.PostAsync("hr/" + LocalHostFixture.HrConnection, body, Deliveries.SignHr(body, host.HrSecret));
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            }
        }

        foreach (var (source, prefix) in new[] { (StripeSource.Id, "cus_spread_"), (HrSource.Id, "E-spread-") })
        {
            var placed = await EnvelopesByShardAsync(source);
            var all = placed.SelectMany(shard => shard.Value.Select(envelope => (Shard: shard.Key, Envelope: envelope))).ToList();
            Assert.Equal(16, all.Count);
            Assert.True(placed.Count(shard => shard.Value.Count > 0) > 1, $"{source}: every event landed on one shard");
            Assert.All(all, item => Assert.StartsWith(prefix, item.Envelope.ShardKey, StringComparison.Ordinal));
            Assert.All(all, item => Assert.Equal(EventShards.ShardOf(item.Envelope.ShardKey!, FourShardHostFixture.Shards), item.Shard));
            Assert.All(all.GroupBy(item => item.Envelope.ShardKey), group => Assert.Single(group.Select(item => item.Shard).Distinct()));
        }
    }

    [Fact]
    public async Task Replayer_WorksThePoisonQueueOfEveryShard_SendingEachEventToItsEntitysShard()
    {
        var sent = new List<(string EventId, string Organization)>();
        foreach (var shard in new[] { 0, 3, 9, 15 })
        {
            for (var i = 0; i < 5; i++)
            {
                var organization = $"org_poisoned_{shard}_{i}";
                var envelope = Envelope(ScalekitSource.Id, organization);
                sent.Add((envelope.EventId, organization));
                await host.Queue(StorageNames.PoisonQueueFor(ScalekitSource.Id, shard)).SendMessageAsync(BinaryData.FromBytes(EnvelopeCodec.Encode(envelope)));
            }
        }

        var run = await host.Host.Services.GetRequiredService<DeadLetterReplayer>().RunOnceAsync();

        Assert.Equal(new ReplayRun(20, 0, OutOfTime: false), run);
        foreach (var shard in StorageNames.AllShards)
        {
            Assert.Equal(0, (await host.Queue(StorageNames.PoisonQueueFor(ScalekitSource.Id, shard)).GetPropertiesAsync()).Value.ApproximateMessagesCount);
        }

        var placed = await EnvelopesByShardAsync(ScalekitSource.Id);
        var replayed = placed.SelectMany(shard => shard.Value.Select(envelope => (Shard: shard.Key, Envelope: envelope))).ToList();
        Assert.Equal(sent.Select(s => s.EventId).Order(StringComparer.Ordinal), replayed.Select(r => r.Envelope.EventId).Order(StringComparer.Ordinal));
        Assert.All(replayed, r =>
        {
            Assert.Equal(1, r.Envelope.ReplayCount);
            Assert.Equal(EventShards.ShardOf(sent.Single(s => s.EventId == r.Envelope.EventId).Organization, FourShardHostFixture.Shards), r.Shard);
        });
    }

    [Fact]
    public async Task Replayer_StopsTakingBatchesAtItsTimeBudget_AndTheNextRunsFinishWithoutLoss()
    {
        const int messages = 240;
        var poison = host.Queue(StorageNames.PoisonQueueFor(StripeSource.Id, 2));
        var eventIds = new List<string>();
        for (var i = 0; i < messages; i++)
        {
            var envelope = Envelope(StripeSource.Id, $"cus_budget_{i}");
            eventIds.Add(envelope.EventId);
            await poison.SendMessageAsync(BinaryData.FromBytes(EnvelopeCodec.Encode(envelope)));
        }

        // Every reading of this clock is a minute later: with a 4-minute budget, only the first few batches start (each
        // run's pace starts at one message). The lease is a day so that the replayer's lease check (one reading per
        // message) never holds a message back.
        var options = new DeadLetterOptions { BaseDelay = TimeSpan.Zero, RunBudget = TimeSpan.FromMinutes(4), Lease = TimeSpan.FromDays(1) };
        var replayer = new DeadLetterReplayer(host.Clients, host.Host.Services.GetRequiredService<EventQueueWriter>(), host.Host.Services.GetRequiredService<DeadLetterStore>(),
            host.Host.Services.GetRequiredService<EventLedgerQueries>(), Options.Create(options), new MinuteClock(), NullLogger<DeadLetterReplayer>.Instance);

        var first = await replayer.RunOnceAsync();

        Assert.True(first.OutOfTime);
        Assert.InRange(first.Replayed, 1, messages / 2);
        Assert.Equal(messages - first.Replayed, (await poison.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        var total = first.Replayed;
        for (var run = 0; run < 500 && total < messages; run++)
        {
            total += (await replayer.RunOnceAsync()).Replayed;
        }

        Assert.Equal(messages, total);
        // Every event is back in an event queue. A send the storage client retried after a timeout can add a copy
        // (add before delete: a duplicate, never a loss); the ledger absorbs it.
        var replayed = (await EnvelopesByShardAsync(StripeSource.Id)).SelectMany(shard => shard.Value).Select(e => e.EventId).ToList();
        Assert.Equal(eventIds.Order(StringComparer.Ordinal), replayed.Distinct().Order(StringComparer.Ordinal));
    }

    private static EventEnvelope Envelope(WebhookSource source, string entity)
    {
        var eventId = SampleIds.New("evt_");
        var options = new SampleOptions { OccurredAt = Deliveries.Now, EventId = eventId, OrganizationId = entity, CustomerId = entity };
        var (type, body) = source == StripeSource.Id
            ? ("customer.subscription.updated", JsonSerializer.SerializeToUtf8Bytes(StripeSamples.Create("customer.subscription.updated", options)))
            : ("organization.domain_created", JsonSerializer.SerializeToUtf8Bytes(ScalekitSamples.Create("organization.domain_created", options)));
        return new EventEnvelope { Source = source, DeliveryId = SampleIds.New("msg_"), EventId = eventId, EventType = type, ReceivedAt = Deliveries.Now, InlinePayload = body };
    }

    /// <summary>Every envelope in each of the source's shard queues, read by receiving (and deleting) them all.</summary>
    private async Task<Dictionary<int, List<EventEnvelope>>> EnvelopesByShardAsync(WebhookSource source)
    {
        var placed = new Dictionary<int, List<EventEnvelope>>();
        foreach (var shard in StorageNames.AllShards)
        {
            QueueClient queue = host.Queue(StorageNames.QueueFor(source, shard));
            placed[shard] = [];
            while (true)
            {
                Azure.Storage.Queues.Models.QueueMessage[] batch = await queue.ReceiveMessagesAsync(32);
                if (batch.Length == 0)
                {
                    break;
                }

                foreach (var message in batch)
                {
                    placed[shard].Add(EnvelopeCodec.Decode(message.Body.ToMemory()));
                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                }
            }
        }

        return placed;
    }

    /// <summary>A clock that moves a minute forward at every reading.</summary>
    private sealed class MinuteClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Add(ref _ticks, TimeSpan.TicksPerMinute);
    }
}
