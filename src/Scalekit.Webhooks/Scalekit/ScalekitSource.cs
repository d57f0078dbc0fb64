using System.Text.Json;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Verification;


namespace Scalekit.Webhooks.Scalekit;

/// <summary>Scalekit's webhooks: Standard Webhooks signatures, applied to the read model.</summary>
public static class ScalekitSource
{
    public const string Name = "scalekit";

    public static WebhookSource Id { get; } = new(Name);

    public static EventSource Profile { get; } = new()
    {
        Source = Id,
        SecretSetting = IngestOptions.ScalekitSecretSetting,
        SecretProblem = EventSource.StandardWebhookSecretProblem,
        CreateVerifier = EventSource.StandardWebhooks,
        DeliveryIdHeader = StandardWebhooksVerifier.IdHeader,
        EntityKey = root => EventSource.TextAt(root, "organization_id") ?? EventSource.TextAt(root, "data", "organization_id"),
        OtherMode = OtherEnvironment,
        Processor = typeof(ScalekitEventProcessor),
    };

    private static string? OtherEnvironment(JsonElement root, EventModeOptions modes)
    {
        if (modes.ScalekitEnvironmentId is not { } environment)
        {
            return null;
        }

        var eventEnvironment = EventSource.TextAt(root, "environment_id");
        return string.Equals(eventEnvironment, environment, StringComparison.Ordinal) ? null
            : $"event of environment '{eventEnvironment ?? "(none)"}', but {EventModeOptions.ScalekitEnvironmentSetting}={environment}: stored, not applied";
    }
}
