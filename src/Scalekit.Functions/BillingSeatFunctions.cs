using Microsoft.Azure.Functions.Worker;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe.Seats;

namespace Scalekit.Functions;

/// <summary>Per-seat billing: the scheduled seat syncs of organizations (retries and the poison move are the runtime's).</summary>
public sealed class BillingSeatFunctions(SeatSync seats)
{
    [Function(nameof(BillingSeatSync))]
    public Task BillingSeatSync(
        [QueueTrigger(StorageNames.SeatSyncQueue, Connection = "AzureWebJobsStorage")] BinaryData message,
        CancellationToken cancellationToken) => seats.HandleAsync(message, cancellationToken);
}
