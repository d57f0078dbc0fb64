using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Hr;

/// <summary>HR systems' employee events: Standard Webhooks signatures, the product's own schema, synced to Scalekit users.</summary>
public static class HrSource
{
    public static EventSource Profile { get; } = new()
    {
        Source = WebhookSource.Hr,
        SecretSetting = IngestOptions.HrSecretSetting,
        Queue = StorageNames.HrQueue,
        CreateVerifier = EventSource.StandardWebhooks,
        DeliveryIdHeader = ScalekitSignatureVerifier.IdHeader,
        // The HR format is the product's own, so a malformed event is refused at once rather than parked later.
        ContentProblem = payload => HrEvent.TryParse(payload, out _, out var problem) ? null : $"The HR event is invalid: {problem} (see docs/hr-events.schema.json).",
        Processor = typeof(HrEmployeeProcessor),
    };
}
