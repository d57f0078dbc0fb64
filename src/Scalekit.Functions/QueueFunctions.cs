using Microsoft.Azure.Functions.Worker;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Functions;

/// <summary>The event consumers. Retries and the poison move are the runtime's, configured in host.json.</summary>
public sealed class QueueFunctions(EventConsumer consumer)
{
    [Function(nameof(ScalekitEvents))]
    public Task ScalekitEvents(
        [QueueTrigger(StorageNames.ScalekitQueue, Connection = "AzureWebJobsStorage")] BinaryData message,
        CancellationToken cancellationToken) => consumer.HandleAsync(message, cancellationToken);

    [Function(nameof(StripeEvents))]
    public Task StripeEvents(
        [QueueTrigger(StorageNames.StripeQueue, Connection = "AzureWebJobsStorage")] BinaryData message,
        CancellationToken cancellationToken) => consumer.HandleAsync(message, cancellationToken);

    [Function(nameof(HrEvents))]
    public Task HrEvents(
        [QueueTrigger(StorageNames.HrQueue, Connection = "AzureWebJobsStorage")] BinaryData message,
        CancellationToken cancellationToken) => consumer.HandleAsync(message, cancellationToken);
}
