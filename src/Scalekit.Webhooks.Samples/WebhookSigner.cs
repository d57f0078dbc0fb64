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

    /// <summary>BambooHR's headers: the lowercase hex HMAC-SHA256 of the body followed by the timestamp text, keyed with the webhook's private key.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> SignBambooHr(ReadOnlySpan<byte> body, string privateKey, string timestamp)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(privateKey));
        hmac.AppendData(body);
        hmac.AppendData(Encoding.UTF8.GetBytes(timestamp));
        return
        [
            new(Hr.Providers.BambooHr.BambooHrVerifier.TimestampHeader, timestamp),
            new(Hr.Providers.BambooHr.BambooHrVerifier.SignatureHeader, Convert.ToHexStringLower(hmac.GetHashAndReset())),
        ];
    }

    /// <summary>HiBob's <c>Bob-Signature</c>: the base64 HMAC-SHA512 of the body.</summary>
    public static KeyValuePair<string, string> SignHiBob(ReadOnlySpan<byte> body, string secret) =>
        new(Hr.Providers.HiBob.HiBobVerifier.SignatureHeader, Convert.ToBase64String(HMACSHA512.HashData(Encoding.UTF8.GetBytes(secret), body)));

    /// <summary>Merge's <c>X-Merge-Webhook-Signature</c>: the base64url HMAC-SHA256 of the body.</summary>
    public static KeyValuePair<string, string> SignMerge(ReadOnlySpan<byte> body, string key) =>
        new(Hr.Providers.Merge.MergeVerifier.SignatureHeader, System.Buffers.Text.Base64Url.EncodeToString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), body)));

    /// <summary>A new random Standard Webhooks secret (<c>whsec_</c> + 32 random bytes in base64).</summary>
    public static string NewScalekitSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>A new random Stripe-style endpoint secret (<c>whsec_</c> + 32 hex characters).</summary>
    public static string NewStripeSecret() => "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
