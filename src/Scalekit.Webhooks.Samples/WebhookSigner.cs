using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Scalekit.Webhooks.Stripe;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Samples;

/// <summary>Signs bodies the way each sender does, for the sample sender, tests and benchmarks.</summary>
public static class WebhookSigner
{
    /// <summary>Standard Webhooks headers (<c>webhook-id</c>, <c>webhook-timestamp</c>, <c>webhook-signature</c>) for <paramref name="body"/>.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> SignScalekit(ReadOnlySpan<byte> body, string secret, string webhookId, DateTimeOffset timestamp)
    {
        var unix = timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var hmac = StandardWebhookSecret.Parse(secret).CreateHmac();
        hmac.AppendData(Encoding.UTF8.GetBytes($"{webhookId}.{unix}."));
        hmac.AppendData(body);
        var signature = Convert.ToBase64String(hmac.GetHashAndReset());
        return
        [
            new(StandardWebhooksVerifier.IdHeader, webhookId),
            new(StandardWebhooksVerifier.TimestampHeader, unix),
            new(StandardWebhooksVerifier.SignatureHeader, "v1," + signature),
        ];
    }

    /// <summary>The <c>Stripe-Signature</c> header for <paramref name="body"/>, computed by Stripe.net.</summary>
    public static KeyValuePair<string, string> SignStripe(ReadOnlySpan<byte> body, string secret, DateTimeOffset timestamp) =>
        new(StripeSignatureVerifier.SignatureHeader,
            global::Stripe.EventUtility.GenerateSignatureHeader(Encoding.UTF8.GetString(body), secret, timestamp.ToUnixTimeSeconds()));

    /// <summary>A new random Standard Webhooks secret (<c>whsec_</c> + 32 random bytes in base64).</summary>
    public static string NewScalekitSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>A new random Stripe-style endpoint secret (<c>whsec_</c> + 32 hex characters).</summary>
    public static string NewStripeSecret() => "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
