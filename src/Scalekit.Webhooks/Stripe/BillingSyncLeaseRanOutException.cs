namespace Scalekit.Webhooks.Stripe;

/// <summary>
/// Scalekit did not take a billing write before the sync lease it was sent under was about to run out; nothing more
/// was sent, and the queue retries the event once the lease has ended.
/// </summary>
public sealed class BillingSyncLeaseRanOutException(string customerId, DateTimeOffset leasedUntil)
    : Exception($"Scalekit did not take the billing write for customer {customerId} before its sync lease (until {leasedUntil:O}) was about to run out; nothing more was sent, and this event will be retried.");
