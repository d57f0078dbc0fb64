using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Scalekit.Webhooks.Hosting.Local;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.IntegrationTests.Processing;

public sealed class ConsumingHostFixture : LocalHostFixture
{
    protected override bool QueueTriggersEnabled => true;
}

public class QueueTriggerTests(ConsumingHostFixture host) : IClassFixture<ConsumingHostFixture>
{
    [Fact]
    public async Task AcceptedEvent_IsConsumedAndRecordedInTheLedger()
    {
        var body = Deliveries.StripeBody("invoice.paid", "evt_consumed_1");
        using var response = await host.Client.PostAsync("stripe", body, Deliveries.SignStripe(body, host.StripeSecret));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        var ledger = host.Host.Services.GetRequiredService<EventLedgerQueries>();
        var row = await Eventually(async () => await ledger.FindAsync(StripeSource.Id, "evt_consumed_1") is { } found && found.Status.IsFinal() ? found : null);

        Assert.Equal("invoice.paid", row.EventType);
        Assert.Equal("processed", row.StatusName);
        Assert.Equal(body, row.Payload);
        await Eventually(async () => (await host.PeekAllAsync(StorageNames.QueueFor(StripeSource.Id))).Count == 0 ? new object() : null);
    }

    [Fact]
    public async Task FailingHandler_IsTriedFiveTimes_ThenTheBodyMovesToThePoisonQueue()
    {
        var queue = host.Queue("trigger-test");
        var poison = host.Queue("trigger-test-poison");
        await queue.CreateIfNotExistsAsync();
        await poison.DeleteIfExistsAsync();
        var body = BinaryData.FromString("{\"any\":\"message\"}");
        await queue.SendMessageAsync(body);
        var attempts = 0;
        var listener = new QueueTriggerListener(queue, poison, (_, _) =>
        {
            Interlocked.Increment(ref attempts);
            throw new InvalidOperationException("deterministic failure");
        }, new QueueTriggerOptions { VisibilityTimeout = TimeSpan.Zero }, TimeProvider.System, NullLogger.Instance);

        var clock = Stopwatch.StartNew();
        while (!(await poison.ExistsAsync()).Value || (await poison.PeekMessagesAsync()).Value.Length == 0)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the message never reached the poison queue");
            await listener.PollOnceAsync();
        }

        Assert.Equal(5, attempts);
        Assert.Equal(body.ToString(), Assert.Single((await poison.PeekMessagesAsync(32)).Value).Body.ToString());
        Assert.Empty((await queue.PeekMessagesAsync(32)).Value);
    }

    [Fact]
    public async Task HandlerThatRecovers_DeletesTheMessageAndNothingIsPoisoned()
    {
        var queue = host.Queue("recover-test");
        var poison = host.Queue("recover-test-poison");
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync(BinaryData.FromString("{}"));
        var attempts = 0;
        var listener = new QueueTriggerListener(queue, poison, (_, _) =>
            Interlocked.Increment(ref attempts) < 3 ? throw new InvalidOperationException("transient") : Task.CompletedTask,
            new QueueTriggerOptions { VisibilityTimeout = TimeSpan.Zero }, TimeProvider.System, NullLogger.Instance);

        for (var i = 0; i < 20 && (await queue.PeekMessagesAsync()).Value.Length > 0; i++)
        {
            await listener.PollOnceAsync();
        }

        Assert.Equal(3, attempts);
        Assert.Empty((await queue.PeekMessagesAsync()).Value);
        Assert.False((await poison.ExistsAsync()).Value);
    }

    [Fact]
    public async Task MessageThatIsNotAnEnvelope_FailsAndIsKeptForRetryByTheRunningHost()
    {
        // The running host uses host.json's 30 s retry delay, so this drives the host's own consumer through one
        // attempt and checks it was not deleted; the poison move itself is covered above with a zero delay.
        var queue = host.Queue(StorageNames.QueueFor(ScalekitSource.Id));
        await queue.SendMessageAsync(BinaryData.FromString("not an envelope"));
        await Eventually(async () =>
        {
            // Dequeued and failed: invisible until its retry, but still counted (not deleted).
            var visible = (await queue.PeekMessagesAsync()).Value.Length;
            var stored = (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
            return visible == 0 && stored == 1 ? new object() : null;
        });
        var consumer = host.Host.Services.GetRequiredService<EventConsumer>();
        await Assert.ThrowsAsync<FormatException>(() => consumer.HandleAsync(BinaryData.FromString("not an envelope")));
    }

    private static async Task<T> Eventually<T>(Func<Task<T?>> probe)
        where T : class
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "condition not met within 20 s");
            await Task.Delay(100);
        }
    }
}
