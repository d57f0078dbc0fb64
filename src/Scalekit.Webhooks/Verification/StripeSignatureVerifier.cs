using System.Text;
using Stripe;

namespace Scalekit.Webhooks.Verification;

/// <summary>
/// Verifies Stripe deliveries with Stripe.net: <c>Stripe-Signature: t=…,v1=…</c>, HMAC-SHA256 over <c>{t}.{raw body}</c>
/// keyed with the endpoint secret. Every configured secret is tried, so a secret can be rotated without downtime.
/// </summary>
public sealed class StripeSignatureVerifier
{
    public const string SignatureHeader = "Stripe-Signature";

    private readonly IReadOnlyList<string> _secrets;
    private readonly TimeSpan _tolerance;
    private readonly TimeProvider _time;

    public StripeSignatureVerifier(IReadOnlyList<string> secrets, TimeSpan tolerance, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        _secrets = secrets;
        _tolerance = tolerance;
        _time = time;
    }

    /// <summary>Checks the header, its timestamp and the signature of <paramref name="body"/> exactly as received.</summary>
    public VerificationResult Verify(ReadOnlySpan<byte> body, WebhookHeaders headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        // Stripe.net throws a NullReferenceException on a missing header, so it is checked here first.
        var header = headers[SignatureHeader];
        if (header is null)
        {
            return VerificationResult.Reject(WebhookRejection.MissingHeaders, "Missing required headers: Stripe-Signature.");
        }

        if (!TryReadTimestamp(header, out var unixSeconds))
        {
            return VerificationResult.Reject(WebhookRejection.MalformedHeaders,
                "Invalid Stripe-Signature header: expected 't=<unix seconds>,v1=<hex>'.");
        }

        var timeCheck = SignedTimestamp.Check(unixSeconds, _tolerance, _time);
        if (!timeCheck.IsVerified)
        {
            return timeCheck;
        }

        var json = Encoding.UTF8.GetString(body);
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var toleranceSeconds = (long)_tolerance.TotalSeconds;
        foreach (var secret in _secrets)
        {
            try
            {
                EventUtility.ValidateSignature(json, header, secret, toleranceSeconds, now);
                return VerificationResult.Verified;
            }
            catch (StripeException)
            {
                // Not this secret; try the next one (rotation).
            }
        }

        return VerificationResult.Reject(WebhookRejection.InvalidSignature,
            "Invalid Signature: no v1 signature in Stripe-Signature matches a configured STRIPE_WEBHOOK_SECRET.");
    }

    private static bool TryReadTimestamp(ReadOnlySpan<char> header, out long unixSeconds)
    {
        foreach (var range in header.Split(','))
        {
            var item = header[range].Trim();
            if (item.StartsWith("t="))
            {
                return SignedTimestamp.TryParse(item[2..], out unixSeconds);
            }
        }

        unixSeconds = 0;
        return false;
    }
}
