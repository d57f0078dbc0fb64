using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.IntegrationTests.Processing;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.IntegrationTests.Sharding;

/// <summary>A host whose shard count and consumers each test sets by restarting it on the same storage.</summary>
public sealed class ReshardableHostFixture : LocalHostFixture
{
    private readonly Dictionary<string, string?> _settings = new()
    {
        [DeadLetterOptions.BaseDelaySetting] = "0",
        ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.200",
    };

    private bool _consuming;

    protected override bool QueueTriggersEnabled => _consuming;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => _settings;

    public async Task RestartAsync(int shards, bool consuming)
    {
        await StopHostAsync();
        _settings[EventQueueOptions.ShardsSetting] = shards.ToString(CultureInfo.InvariantCulture);
        _consuming = consuming;
        await StartHostAsync();
    }
}

/// <remarks>Waits are long because a loaded two-core machine can take a minute to consume a few dozen events.</remarks>
public class ShardedConsumptionTests(ReshardableHostFixture host) : IClassFixture<ReshardableHostFixture>
{
    [Fact]
    public async Task Consumers_OnEveryShard_ProcessEveryEvent()
    {
        await host.RestartAsync(shards: 4, consuming: true);
        var eventIds = await SendAsync("org_every_shard_", 24);

        await ScalekitProcessingTests.Eventually(async () => await CountFinalAsync(eventIds) == eventIds.Count && await PendingAsync() == 0, TimeSpan.FromSeconds(180));

        Assert.All(Enumerable.Range(0, 4), shard => Assert.Contains(Enumerable.Range(0, 24), i => EventShards.ShardOf($"org_every_shard_{i:D2}", 4) == shard));
    }

    [Fact]
    public async Task ShardCountLowered_WithEventsQueuedAndPoisoned_LosesNothing()
    {
        // Received under 8 shards with nothing consuming...
        await host.RestartAsync(shards: 8, consuming: false);
        var eventIds = await SendAsync("org_reshard_", 40);
        var aboveTwo = 0;
        for (var shard = 2; shard < 8; shard++)
        {
            aboveTwo += (await host.Queue(StorageNames.QueueFor(ScalekitSource.Id, shard)).GetPropertiesAsync()).Value.ApproximateMessagesCount;
        }

        Assert.True(aboveTwo > 0, "no event landed above shard 1, so the test would prove nothing");
        // ...and one more, already poisoned, on shard 6.
        var poisoned = JsonSerializer.SerializeToUtf8Bytes(ScalekitSamples.Create("organization.domain_created", new SampleOptions { OccurredAt = Deliveries.Now, EventId = SampleIds.New("evt_"), OrganizationId = "org_reshard_poisoned" }));
        var poisonedEnvelope = new EventEnvelope { Source = ScalekitSource.Id, DeliveryId = SampleIds.New("msg_"), EventId = SampleIds.New("evt_"), EventType = "organization.domain_created", ReceivedAt = Deliveries.Now, InlinePayload = poisoned };
        await host.Queue(StorageNames.PoisonQueueFor(ScalekitSource.Id, 6)).SendMessageAsync(BinaryData.FromBytes(EnvelopeCodec.Encode(poisonedEnvelope)));
        eventIds.Add(poisonedEnvelope.EventId);

        // ...then consumed under 2 shards: the consumers drain shards 2-7, the replayer their poison queues.
        await host.RestartAsync(shards: 2, consuming: true);
        var run = await host.Host.Services.GetRequiredService<DeadLetterReplayer>().RunOnceAsync();

        Assert.Equal(1, run.Replayed);
        await ScalekitProcessingTests.Eventually(async () => await CountFinalAsync(eventIds) == eventIds.Count && await PendingAsync() == 0, TimeSpan.FromSeconds(180));
        await ScalekitProcessingTests.Eventually(() => Task.FromResult(host.Logs.Entries.Any(entry => entry.Message.Contains(StorageNames.QueueFor(ScalekitSource.Id, 7) + " is empty", StringComparison.Ordinal))));
    }

    private async Task<List<string>> SendAsync(string organizationPrefix, int count)
    {
        var eventIds = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var eventId = SampleIds.New("evt_");
            var body = JsonSerializer.Serialize(ScalekitSamples.Create("organization.domain_created", new SampleOptions { OccurredAt = Deliveries.Now, EventId = eventId, OrganizationId = $"{organizationPrefix}{i:D2}" }));
            using var response = await host.Client.PostAsync("scalekit", body, Deliveries.SignScalekit(body, host.ScalekitSecret));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            eventIds.Add(eventId);
        }

        return eventIds;
    }

    private async Task<int> CountFinalAsync(IEnumerable<string> eventIds)
    {
        var ledger = host.Host.Services.GetRequiredService<EventLedgerQueries>();
        var final = 0;
        foreach (var eventId in eventIds)
        {
            var row = await ledger.FindAsync(ScalekitSource.Id, eventId);
            final += row is not null && row.Status.IsFinal() ? 1 : 0;
        }

        return final;
    }

    private async Task<int> PendingAsync()
    {
        var depths = await Task.WhenAll(StorageNames.AllQueues.Select(async queue => (await host.Queue(queue).GetPropertiesAsync()).Value.ApproximateMessagesCount));
        return depths.Sum();
    }
}
