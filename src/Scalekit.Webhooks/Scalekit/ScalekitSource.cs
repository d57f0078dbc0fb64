using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Scalekit;

/// <summary>Scalekit's webhooks: Standard Webhooks signatures, applied to the read model.</summary>
public static class ScalekitSource
{
    public static EventSource Profile { get; } = new()
    {
        Source = WebhookSource.Scalekit,
        SecretSetting = IngestOptions.ScalekitSecretSetting,
        Queue = StorageNames.ScalekitQueue,
        CreateVerifier = EventSource.StandardWebhooks,
        DeliveryIdHeader = ScalekitSignatureVerifier.IdHeader,
        Processor = typeof(ScalekitEventProcessor),
    };
}
