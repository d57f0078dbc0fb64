using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Hr;

/// <summary>HR systems' employee events: Standard Webhooks signatures, the product's own schema, synced to Scalekit users.</summary>
public static class HrSource
{
    public const string Name = "hr";

    public static WebhookSource Id { get; } = new(Name);

    public static EventSource Profile { get; } = new()
    {
        Source = Id,
        SecretSetting = IngestOptions.HrSecretSetting,
        SecretProblem = EventSource.StandardWebhookSecretProblem,
        CreateVerifier = EventSource.StandardWebhooks,
        DeliveryIdHeader = StandardWebhooksVerifier.IdHeader,
        // The HR format is the product's own, so a malformed event is refused at once rather than parked later.
        ContentProblem = payload => HrEvent.TryParse(payload, out _, out var problem) ? null : $"The HR event is invalid: {problem} (see docs/hr-events.schema.json).",
        EntityKey = root => EventSource.TextAt(root, "data", "employee_id"),
        Integration = "hr",
        Processor = typeof(HrEmployeeProcessor),
    };
}
