using Scalekit.Webhooks.Processing;

namespace Scalekit.Webhooks.Stripe;

/// <summary>
/// Reacts to a completed Stripe Checkout after billing recorded it. A feature registers one (onboarding does), so
/// billing names no other feature.
/// </summary>
public interface ICheckoutCompletedListener
{
    /// <summary>What the event's ledger row should say this listener did; null when it did nothing.</summary>
    Task<ProcessingOutcome?> CheckoutCompletedAsync(global::Stripe.Checkout.Session session, CancellationToken cancellationToken = default);
}
