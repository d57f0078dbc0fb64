using System.Text.Json;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;

namespace Scalekit.Webhooks.Stripe;

/// <summary>Stripe's webhooks: <c>Stripe-Signature</c>, applied to billing state and synced to Scalekit organizations.</summary>
public static class StripeSource
{
    public const string Name = "stripe";

    public static WebhookSource Id { get; } = new(Name);

    public static EventSource Profile { get; } = new()
    {
        Source = Id,
        SecretSetting = IngestOptions.StripeSecretSetting,
        CreateVerifier = (sender, tolerance, time) => new StripeSignatureVerifier(sender.Secrets, tolerance, time),
        ApiVersionMismatch = metadata => StripeApiVersion.Matches(metadata.ApiVersion) ? null
            : $"The event's api_version '{metadata.ApiVersion}' differs from '{StripeApiVersion.Expected}' expected by this receiver. Set the endpoint's API version in Stripe",
        // Events of one customer share a shard: the customer itself for customer.* events, else the object's customer.
        EntityKey = root => EventSource.TextAt(root, "data", "object", "object") == "customer"
            ? EventSource.TextAt(root, "data", "object", "id")
            : EventSource.TextAt(root, "data", "object", "customer"),
        OtherMode = OtherMode,
        Integration = "billing",
        Processor = typeof(StripeBillingProcessor),
    };

    private static string? OtherMode(JsonElement root, EventModeOptions modes)
    {
        if (modes.StripeLivemode is not { } live)
        {
            return null;
        }

        var eventLive = root.TryGetProperty("livemode", out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : (bool?)null;
        return eventLive == live ? null
            : $"{Mode(eventLive)} event, but {EventModeOptions.StripeLivemodeSetting}={(live ? "true" : "false")}: stored, not applied";
    }

    private static string Mode(bool? live) => live switch
    {
        true => "live-mode",
        false => "test-mode",
        null => "a Stripe event without livemode",
    };
}
