namespace Scalekit.Webhooks.Ingest;

/// <summary>Who sent an event.</summary>
public enum WebhookSource
{
    Scalekit,
    Stripe,

    /// <summary>An HR system (or the signer in front of it) sending the product's employee events.</summary>
    Hr,
}

/// <summary>Names used for each source on the wire, in storage and in routes.</summary>
public static class WebhookSourceNames
{
    public static string Name(this WebhookSource source) => source switch
    {
        WebhookSource.Scalekit => "scalekit",
        WebhookSource.Stripe => "stripe",
        WebhookSource.Hr => "hr",
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, null),
    };

    public static bool TryParse(string? name, out WebhookSource source)
    {
        switch (name?.ToUpperInvariant())
        {
            case "SCALEKIT":
                source = WebhookSource.Scalekit;
                return true;
            case "STRIPE":
                source = WebhookSource.Stripe;
                return true;
            case "HR":
                source = WebhookSource.Hr;
                return true;
            default:
                source = default;
                return false;
        }
    }
}
