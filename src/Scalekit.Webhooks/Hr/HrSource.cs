using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Hr;

/// <summary>
/// HR systems' employee events, synced to Scalekit users. Each customer's HR system posts to its own connection
/// (<c>/api/webhooks/hr/{connection}</c>, see <see cref="Connections.HrConnections"/>), signed with that connection's secret.
/// </summary>
public static class HrSource
{
    public const string Name = "hr";

    public static WebhookSource Id { get; } = new(Name);

    public static EventSource Profile { get; } = new()
    {
        Source = Id,
        SecretSetting = Connections.HrConnection.Section,
        ConnectionsOnly = true,
        SharedRouteGone = "The shared HR route and HR_WEBHOOK_SECRET are removed: each customer's HR system posts to its own connection, /api/webhooks/hr/{connection} (see docs/hr.md, 'Connections').",
        SecretProblem = EventSource.StandardWebhookSecretProblem,
        CreateVerifier = EventSource.StandardWebhooks,
        DeliveryIdHeader = StandardWebhooksVerifier.IdHeader,
        // The HR format is the product's own, so a malformed event is refused at once rather than parked later.
        ContentProblem = payload => HrEvent.TryParse(payload, out _, out var problem) ? null : $"The HR event is invalid: {problem} (see docs/hr-events.schema.json).",
        // Provider deliveries are stored with their employee as the shard key; this reads it again for a replayed copy.
        EntityKey = root => EventSource.TextAt(root, "data", "employee_id") ?? EventSource.TextAt(root, "data", "employeeId") ?? EventSource.TextAt(root, "data", "id"),
        Integration = "hr",
        Processor = typeof(HrEmployeeProcessor),
    };
}
