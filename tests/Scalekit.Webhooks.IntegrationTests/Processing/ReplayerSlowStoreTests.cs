using System.Text.Json;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues.Models;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.IntegrationTests.Processing;

/// <summary>A host whose queue clients go through a <see cref="SlowQueueService"/>; the tests read and write around it.</summary>
public sealed class SlowQueueHostFixture : LocalHostFixture
{
    public SlowQueueService Slow { get; } = new();

    /// <summary>A client on the same queue that is not slowed: the test's own reads, and "another receive".</summary>
    public QueueClient Direct(string name) => new(Storage.ConnectionString, name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    protected override void ConfigureServices(IServiceCollection services)
    {
        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        queueOptions.Retry.Mode = RetryMode.Exponential;
        queueOptions.Retry.MaxRetries = StorageRetry.Default.MaxRetries;
        queueOptions.Retry.NetworkTimeout = StorageRetry.Default.NetworkTimeout;
        queueOptions.AddPolicy(Slow, HttpPipelinePosition.PerRetry);
        services.RemoveAll<StorageClients>();
        services.AddSingleton(new StorageClients(
            new QueueServiceClient(Storage.ConnectionString, queueOptions),
            new BlobServiceClient(Storage.ConnectionString),
            new TableServiceClient(Storage.ConnectionString)));
    }
}

public class ReplayerSlowStoreTests(SlowQueueHostFixture host) : IClassFixture<SlowQueueHostFixture>, IAsyncLifetime
{
    private readonly QueueClient _poison = host.Direct(StorageNames.PoisonQueueFor(ScalekitSource.Id));
    private readonly QueueClient _events = host.Direct(StorageNames.QueueFor(ScalekitSource.Id));

    public async Task InitializeAsync()
    {
        host.Slow.Reset();
        await host.ClearQueuesAsync();
    }

    public Task DisposeAsync()
    {
        host.Slow.Reset();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task SlowStore_ShortLease_EveryEventComesBackExactlyOnce()
    {
        // 128 messages at once would take 4 batches × (1 receive + 32 sends + 32 deletes) × 60 ms ≈ 16 s on this store,
        // far past the 6 s lease: taken all at once, leases run out before the deletes and messages are sent twice. The
        // pace starts at one message and stops growing where a batch takes over half of its 1.5 s mark (8 messages:
        // 17 requests ≈ 1 s), so it never leases more than the store can answer in time.
        var eventIds = await PoisonAsync(128);
        host.Slow.PerRequest = TimeSpan.FromMilliseconds(60);

        var run = await Replayer(new DeadLetterOptions { Lease = TimeSpan.FromSeconds(6), BaseDelay = TimeSpan.Zero }).RunOnceAsync();

        host.Slow.PerRequest = TimeSpan.Zero;
        Assert.Equal((128, 0, 0), (run.Replayed, run.Parked, run.Overtaken));
        Assert.Equal(eventIds.Order(StringComparer.Ordinal), await ArrivedAsync());
        Assert.Equal(0, (await _poison.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        var sizes = host.Slow.ReceiveSizes.ToList();
        Assert.Equal(1, sizes[0]);
        Assert.DoesNotContain(32, sizes);
    }

    [Fact]
    public async Task StoreSlowThenFastAgain_BatchesShrink_ThenGrowBackToTheConfiguredSize()
    {
        var eventIds = await PoisonAsync(400);
        var smallReceives = 0;
        var slowed = 0;

        // Fast until the pace reaches full batches, then slow until two smaller ones were asked for, then fast again.
        host.Slow.Received = size =>
        {
            if (size == 32 && Interlocked.CompareExchange(ref slowed, 1, 0) == 0)
            {
                host.Slow.PerRequest = TimeSpan.FromMilliseconds(60);
            }
            else if (Volatile.Read(ref slowed) == 1 && size < 32 && Interlocked.Increment(ref smallReceives) == 2)
            {
                host.Slow.PerRequest = TimeSpan.Zero;
            }
        };

        // Slow batches past 2.5 s (a quarter of this lease): 32 messages take ~3.9 s here, 16 take ~2 s.
        var run = await Replayer(new DeadLetterOptions { Lease = TimeSpan.FromSeconds(10), BaseDelay = TimeSpan.Zero, ConcurrentBatches = 2 }).RunOnceAsync();

        Assert.Equal((400, 0), (run.Replayed, run.Overtaken));
        Assert.Equal(eventIds.Order(StringComparer.Ordinal), await ArrivedAsync());
        var sizes = host.Slow.ReceiveSizes.ToList();
        var firstFull = sizes.IndexOf(32);
        Assert.Equal(1, sizes[0]);
        Assert.True(firstFull > 0, $"the batches never grew to full size: {string.Join(',', sizes)}");
        var firstSmall = sizes.FindIndex(firstFull, size => size < 32);
        Assert.True(firstSmall > firstFull, $"the batches never shrank: {string.Join(',', sizes)}");
        Assert.Contains(32, sizes.Skip(firstSmall));
        var paces = host.Logs.Entries.Where(entry => entry.Category == typeof(DeadLetterReplayer).FullName && entry.Message.Contains(" in flight", StringComparison.Ordinal)).Select(entry => entry.Message).ToList();
        Assert.Contains(paces, message => message.Contains("now 1 batches of 16", StringComparison.Ordinal));
        Assert.Contains(paces, message => message.Contains("now 2 batches of 32", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AFailedBatch_ShrinksThePace_AndTheRunGoesOn_ThenReportsTheFailure()
    {
        var eventIds = await PoisonAsync(60);
        var receives = 0;

        // The third receive fails.
        host.Slow.Refuse = request => SlowQueueService.IsReceive(request) && Interlocked.Increment(ref receives) == 3;

        await Assert.ThrowsAsync<Azure.RequestFailedException>(() => Replayer(new DeadLetterOptions { BaseDelay = TimeSpan.Zero }).RunOnceAsync());

        Assert.Equal(eventIds.Order(StringComparer.Ordinal), await ArrivedAsync());
        Assert.Equal(0, (await _poison.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Contains(host.Logs.Entries, entry => entry.Category == typeof(DeadLetterReplayer).FullName && entry.Message.Contains("a batch failed (1 of at most 3 this run)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AStoreThatKeepsFailing_StopsTheRunAfterThreeFailedBatches()
    {
        await PoisonAsync(40);
        var receives = 0;
        host.Slow.Refuse = request => SlowQueueService.IsReceive(request) && Interlocked.Increment(ref receives) > 1;

        await Assert.ThrowsAsync<Azure.RequestFailedException>(() => Replayer(new DeadLetterOptions { BaseDelay = TimeSpan.Zero }).RunOnceAsync());

        // One message went through before the store went down; then three receives failed and no fourth was tried.
        Assert.Equal(1 + 3, receives);
        Assert.Equal(39, (await _poison.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task MessagesWithTooLittleLeaseLeft_AreLeftToReappear_NotSent_ThenTheNextRunSendsThemOnce()
    {
        var eventIds = await PoisonAsync(10);
        var receives = 0;
        var options = new DeadLetterOptions { Lease = TimeSpan.FromSeconds(4), BaseDelay = TimeSpan.Zero };
        // The first receive (the pace's first batch: one message) answers after more than half its lease has gone.
        host.Slow.Extra = request => SlowQueueService.IsReceive(request) && Interlocked.Increment(ref receives) == 1 ? TimeSpan.FromSeconds(2.5) : TimeSpan.Zero;

        var first = await Replayer(options).RunOnceAsync();

        Assert.Equal(new ReplayRun(9, 0, OutOfTime: false, Skipped: 1), first);
        Assert.Equal(9, (await _events.PeekMessagesAsync(32)).Value.Length);

        await ScalekitProcessingTests.Eventually(async () => (await _poison.PeekMessagesAsync(32)).Value.Length == 1);
        var second = await Replayer(options).RunOnceAsync();

        Assert.Equal(new ReplayRun(1, 0), second);
        Assert.Equal(eventIds.Order(StringComparer.Ordinal), await ArrivedAsync());
    }

    [Fact]
    public async Task DeleteAfterTheLeaseRanOut_WhenAnotherReceiveHasTheMessage_IsCountedAsOvertaken_NotAFailedRun()
    {
        var eventIds = await PoisonAsync(1);
        var leased = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Slow.Received = _ => leased.TrySetResult();
        host.Slow.Extra = request => SlowQueueService.IsDelete(request) ? TimeSpan.FromSeconds(6) : TimeSpan.Zero;

        var running = Replayer(new DeadLetterOptions { Lease = TimeSpan.FromSeconds(2), BaseDelay = TimeSpan.Zero }).RunOnceAsync();
        await leased.Task.WaitAsync(TimeSpan.FromMinutes(1));
        QueueMessage? taken = null;
        await ScalekitProcessingTests.Eventually(async () => (taken = (await _poison.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(1))).Value.SingleOrDefault()) is not null);
        var run = await running;

        Assert.Equal(new ReplayRun(1, 0, Overtaken: 1), run);
        Assert.Equal(eventIds, await ArrivedAsync());
        Assert.Contains(host.Logs.Entries, entry => entry.Level == LogLevel.Warning && entry.Message.Contains(taken!.MessageId, StringComparison.Ordinal));
        await _poison.DeleteMessageAsync(taken!.MessageId, taken.PopReceipt);
    }

    private DeadLetterReplayer Replayer(DeadLetterOptions options) => new(
        host.Clients,
        host.Host.Services.GetRequiredService<EventQueueWriter>(),
        host.Host.Services.GetRequiredService<DeadLetterStore>(),
        host.Host.Services.GetRequiredService<EventLedgerQueries>(),
        Options.Create(options),
        TimeProvider.System,
        host.Host.Services.GetRequiredService<ILogger<DeadLetterReplayer>>());

    /// <summary>Puts <paramref name="count"/> event envelopes on the Scalekit poison queue; returns their event ids.</summary>
    private async Task<List<string>> PoisonAsync(int count)
    {
        var eventIds = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var eventId = SampleIds.New("evt_");
            var body = ScalekitSamples.Create("organization.domain_created", new SampleOptions { OccurredAt = Deliveries.Now, EventId = eventId, OrganizationId = SampleIds.New("org_") });
            var envelope = new EventEnvelope
            {
                Source = ScalekitSource.Id,
                DeliveryId = SampleIds.New("msg_"),
                EventId = eventId,
                EventType = "organization.domain_created",
                ReceivedAt = Deliveries.Now,
                InlinePayload = JsonSerializer.SerializeToUtf8Bytes(body),
            };
            eventIds.Add(eventId);
            await _poison.SendMessageAsync(BinaryData.FromBytes(EnvelopeCodec.Encode(envelope)));
        }

        return eventIds;
    }

    /// <summary>The event id of every message on the Scalekit event queue, sorted, duplicates kept; read by receiving and deleting them.</summary>
    private async Task<List<string>> ArrivedAsync()
    {
        var arrived = new List<string>();
        while (true)
        {
            QueueMessage[] batch = await _events.ReceiveMessagesAsync(32);
            if (batch.Length == 0)
            {
                return [.. arrived.Order(StringComparer.Ordinal)];
            }

            foreach (var message in batch)
            {
                arrived.Add(EnvelopeCodec.Decode(message.Body.ToMemory()).EventId);
                await _events.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }
        }
    }
}
