using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Billing;

/// <summary>Stripe's webhooks: <c>Stripe-Signature</c>, applied to billing state and synced to Scalekit organizations.</summary>
public static class StripeSource
{
    public static EventSource Profile { get; } = new()
    {
        Source = WebhookSource.Stripe,
        SecretSetting = IngestOptions.StripeSecretSetting,
        Queue = StorageNames.StripeQueue,
        CreateVerifier = (secrets, tolerance, time) => new StripeSignatureVerifier(secrets, tolerance, time),
        Processor = typeof(StripeBillingProcessor),
    };
}
