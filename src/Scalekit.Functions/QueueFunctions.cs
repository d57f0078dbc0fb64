using Microsoft.Azure.Functions.Worker;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Functions;

/// <summary>
/// The event consumers: one trigger on every shard queue of every source (<see cref="StorageNames.MaxEventQueueShards"/>
/// each). In Azure the Bicep disables the functions of shards above EVENT_QUEUE_SHARDS (and its drain count) with
/// <c>AzureWebJobs.&lt;name&gt;.Disabled</c>, naming them as declared here: shard n of a source is its shard-0 name plus n
/// (a conformance test holds the two together). Shard 0 keeps the unsharded function and queue names. Retries and the poison move are the runtime's, configured in host.json.
/// Attributes need constants, so each queue name is spelled from its source's name here; a conformance test holds this
/// class to <c>EventSources.All</c> (every shard of every source bound once).
/// </summary>
public sealed class QueueFunctions(EventConsumer consumer)
{
    private const string Connection = "AzureWebJobsStorage";
    private const string ScalekitQueue = ScalekitSource.Name + StorageNames.EventQueueSuffix;
    private const string StripeQueue = StripeSource.Name + StorageNames.EventQueueSuffix;
    private const string HrQueue = HrSource.Name + StorageNames.EventQueueSuffix;

    [Function(nameof(ScalekitEvents))]
    public Task ScalekitEvents([QueueTrigger(ScalekitQueue, Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(ScalekitEvents1))]
    public Task ScalekitEvents1([QueueTrigger(ScalekitQueue + "-1", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(ScalekitEvents2))]
    public Task ScalekitEvents2([QueueTrigger(ScalekitQueue + "-2", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(ScalekitEvents3))]
    public Task ScalekitEvents3([QueueTrigger(ScalekitQueue + "-3", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(ScalekitEvents4))]
    public Task ScalekitEvents4([QueueTrigger(ScalekitQueue + "-4", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(ScalekitEvents5))]
    public Task ScalekitEvents5([QueueTrigger(ScalekitQueue + "-5", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(ScalekitEvents6))]
    public Task ScalekitEvents6([QueueTrigger(ScalekitQueue + "-6", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(ScalekitEvents7))]
    public Task ScalekitEvents7([QueueTrigger(ScalekitQueue + "-7", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(ScalekitEvents8))]
    public Task ScalekitEvents8([QueueTrigger(ScalekitQueue + "-8", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(ScalekitEvents9))]
    public Task ScalekitEvents9([QueueTrigger(ScalekitQueue + "-9", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(ScalekitEvents10))]
    public Task ScalekitEvents10([QueueTrigger(ScalekitQueue + "-10", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(ScalekitEvents11))]
    public Task ScalekitEvents11([QueueTrigger(ScalekitQueue + "-11", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(ScalekitEvents12))]
    public Task ScalekitEvents12([QueueTrigger(ScalekitQueue + "-12", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(ScalekitEvents13))]
    public Task ScalekitEvents13([QueueTrigger(ScalekitQueue + "-13", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(ScalekitEvents14))]
    public Task ScalekitEvents14([QueueTrigger(ScalekitQueue + "-14", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(ScalekitEvents15))]
    public Task ScalekitEvents15([QueueTrigger(ScalekitQueue + "-15", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(StripeEvents))]
    public Task StripeEvents([QueueTrigger(StripeQueue, Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(StripeEvents1))]
    public Task StripeEvents1([QueueTrigger(StripeQueue + "-1", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(StripeEvents2))]
    public Task StripeEvents2([QueueTrigger(StripeQueue + "-2", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(StripeEvents3))]
    public Task StripeEvents3([QueueTrigger(StripeQueue + "-3", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(StripeEvents4))]
    public Task StripeEvents4([QueueTrigger(StripeQueue + "-4", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(StripeEvents5))]
    public Task StripeEvents5([QueueTrigger(StripeQueue + "-5", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(StripeEvents6))]
    public Task StripeEvents6([QueueTrigger(StripeQueue + "-6", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(StripeEvents7))]
    public Task StripeEvents7([QueueTrigger(StripeQueue + "-7", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(StripeEvents8))]
    public Task StripeEvents8([QueueTrigger(StripeQueue + "-8", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(StripeEvents9))]
    public Task StripeEvents9([QueueTrigger(StripeQueue + "-9", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(StripeEvents10))]
    public Task StripeEvents10([QueueTrigger(StripeQueue + "-10", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(StripeEvents11))]
    public Task StripeEvents11([QueueTrigger(StripeQueue + "-11", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(StripeEvents12))]
    public Task StripeEvents12([QueueTrigger(StripeQueue + "-12", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(StripeEvents13))]
    public Task StripeEvents13([QueueTrigger(StripeQueue + "-13", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(StripeEvents14))]
    public Task StripeEvents14([QueueTrigger(StripeQueue + "-14", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(StripeEvents15))]
    public Task StripeEvents15([QueueTrigger(StripeQueue + "-15", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(HrEvents))]
    public Task HrEvents([QueueTrigger(HrQueue, Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(HrEvents1))]
    public Task HrEvents1([QueueTrigger(HrQueue + "-1", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(HrEvents2))]
    public Task HrEvents2([QueueTrigger(HrQueue + "-2", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(HrEvents3))]
    public Task HrEvents3([QueueTrigger(HrQueue + "-3", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(HrEvents4))]
    public Task HrEvents4([QueueTrigger(HrQueue + "-4", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(HrEvents5))]
    public Task HrEvents5([QueueTrigger(HrQueue + "-5", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(HrEvents6))]
    public Task HrEvents6([QueueTrigger(HrQueue + "-6", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(HrEvents7))]
    public Task HrEvents7([QueueTrigger(HrQueue + "-7", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(HrEvents8))]
    public Task HrEvents8([QueueTrigger(HrQueue + "-8", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(HrEvents9))]
    public Task HrEvents9([QueueTrigger(HrQueue + "-9", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(HrEvents10))]
    public Task HrEvents10([QueueTrigger(HrQueue + "-10", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(HrEvents11))]
    public Task HrEvents11([QueueTrigger(HrQueue + "-11", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(HrEvents12))]
    public Task HrEvents12([QueueTrigger(HrQueue + "-12", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(HrEvents13))]
    public Task HrEvents13([QueueTrigger(HrQueue + "-13", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(HrEvents14))]
    public Task HrEvents14([QueueTrigger(HrQueue + "-14", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    [Function(nameof(HrEvents15))]
    public Task HrEvents15([QueueTrigger(HrQueue + "-15", Connection = Connection)] BinaryData message, FunctionContext context, CancellationToken cancellationToken) =>
        consumer.HandleAsync(message, DequeueCount(context), cancellationToken);

    private static long DequeueCount(FunctionContext context) => Scalekit.Webhooks.Processing.DequeueCount.From(context.BindingContext.BindingData);
}
