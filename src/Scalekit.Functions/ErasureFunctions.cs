using Microsoft.Azure.Functions.Worker;
using Scalekit.Webhooks.Privacy;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Functions;

/// <summary>Runs erasure jobs from their own queue; retries and the poison move are the runtime's, as for events.</summary>
public sealed class ErasureFunctions(ErasureJobs erasures)
{
    [Function(nameof(ErasureJobRun))]
    public Task ErasureJobRun(
        [QueueTrigger(StorageNames.ErasureQueue, Connection = "AzureWebJobsStorage")] BinaryData message,
        CancellationToken cancellationToken) => erasures.HandleAsync(message, cancellationToken);
}
