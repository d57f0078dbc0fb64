using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Privacy;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.IntegrationTests.Privacy;

/// <summary>A host on a fake clock whose table writes each take <see cref="SlowTableWrites.Cost"/> of that clock.</summary>
public sealed class SlowTableHostFixture : LocalHostFixture
{
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public SlowTableWrites Writes { get; private set; } = null!;

    protected override TimeProvider Clock => Time;

    protected override void ConfigureServices(IServiceCollection services)
    {
        Writes = new SlowTableWrites(Time);
        var tableOptions = new TableClientOptions();
        tableOptions.AddPolicy(Writes, HttpPipelinePosition.PerRetry);
        services.RemoveAll<StorageClients>();
        services.AddSingleton(new StorageClients(
            new QueueServiceClient(Storage.ConnectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }),
            new BlobServiceClient(Storage.ConnectionString),
            new TableServiceClient(Storage.ConnectionString, tableOptions)));
    }
}

/// <summary>A slow table store on a fake clock: every write (anything but a read) moves the clock on by <see cref="Cost"/>.</summary>
public sealed class SlowTableWrites(FakeTimeProvider time) : HttpPipelinePolicy
{
    public TimeSpan Cost { get; set; }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ProcessNext(message, pipeline);
        Charge(message);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        await ProcessNextAsync(message, pipeline);
        Charge(message);
    }

    private void Charge(HttpMessage message)
    {
        if (message.Request.Method != RequestMethod.Get && Cost > TimeSpan.Zero)
        {
            time.Advance(Cost);
        }
    }
}

public class RetentionBudgetTests(SlowTableHostFixture host) : IClassFixture<SlowTableHostFixture>
{
    [Fact]
    public async Task Retention_OnASlowStore_StopsAtItsBudget_AndTheNextRunRemovesTheRest_EachPayloadOnce()
    {
        var retention = host.Host.Services.GetRequiredService<PayloadRetention>();
        var ledger = host.Host.Services.GetRequiredService<EventLedger>();
        var events = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            events.Add(await StoreSettledAsync(ledger));
        }

        host.Time.Advance(TimeSpan.FromDays(31));
        // Each payload removal is one table write: a minute each against the default 4-minute budget.
        host.Writes.Cost = TimeSpan.FromMinutes(1);
        Assert.Equal(TimeSpan.FromMinutes(4), new RetentionOptions().RunBudget);

        var first = await retention.RunOnceAsync();

        Assert.True(first.OutOfTime);
        Assert.Equal(4, first.LedgerPayloads);

        var second = await retention.RunOnceAsync();

        Assert.False(second.OutOfTime);
        Assert.Equal(2, second.LedgerPayloads);
        foreach (var eventId in events)
        {
            var entry = (await host.Host.Services.GetRequiredService<EventLedgerQueries>().FindAsync(ScalekitSource.Id, eventId))!;
            Assert.False(entry.HoldsPayload, $"{eventId} kept its payload");
            Assert.Equal("retention", entry.PayloadRemovedReason);
        }

        Assert.Equal(0, (await retention.RunOnceAsync()).LedgerPayloads);
    }

    private async Task<string> StoreSettledAsync(EventLedger ledger)
    {
        var eventId = SampleIds.New("evt_");
        var payload = Encoding.UTF8.GetBytes(ScalekitSamples.Create("role.created", new SampleOptions { OccurredAt = host.Time.GetUtcNow(), EventId = eventId }).ToJsonString());
        var envelope = new EventEnvelope
        {
            Source = ScalekitSource.Id,
            DeliveryId = "msg_" + eventId,
            EventId = eventId,
            EventType = "role.created",
            ReceivedAt = host.Time.GetUtcNow(),
            InlinePayload = payload,
        };
        await ledger.CompleteAsync((await ledger.ClaimAsync(envelope, payload))!, ProcessingOutcome.Applied("test"));
        return eventId;
    }
}
