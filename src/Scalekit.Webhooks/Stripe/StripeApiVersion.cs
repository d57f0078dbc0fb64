namespace Scalekit.Webhooks.Stripe;

/// <summary>The Stripe API version this receiver's Stripe.net expects, compared the way Stripe.net compares it.</summary>
public static class StripeApiVersion
{
    /// <summary>The version to choose when creating the webhook endpoint in Stripe.</summary>
    public static string Expected => global::Stripe.StripeConfiguration.ApiVersion;

    /// <summary>Stripe.net compares only the release name after the dot (e.g. <c>endive</c>).</summary>
    public static bool Matches(string? eventApiVersion) =>
        eventApiVersion is not null && string.Equals(Release(eventApiVersion), Release(Expected), StringComparison.Ordinal);

    private static string Release(string version)
    {
        var dot = version.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? version : version[(dot + 1)..];
    }
}
