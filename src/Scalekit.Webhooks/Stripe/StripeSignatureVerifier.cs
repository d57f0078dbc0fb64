using System.Buffers;
using System.Text;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Stripe;

/// <summary>
/// Verifies Stripe deliveries: <c>Stripe-Signature: t=…,v1=…</c>, HMAC-SHA256 over <c>{t}.{raw body}</c> keyed with
/// the UTF-8 bytes of the endpoint secret, sent as lowercase hex. Works on the raw bytes, so the body is never copied
/// into a string (Stripe.net's <c>EventUtility.ValidateSignature</c> does, and is the reference the tests hold this to).
/// Every configured secret is tried, so a secret can be rotated without downtime.
/// </summary>
public sealed class StripeSignatureVerifier : IWebhookVerifier
{
    public const string SignatureHeader = "Stripe-Signature";

    /// <summary>How many secrets can be active at once (current plus previous ones during rotation).</summary>
    public const int MaxSecrets = HmacSignatures.MaxSecrets;

    private const int MaxTimestampLength = 19;

    private readonly byte[][] _keys;
    private readonly TimeSpan _tolerance;
    private readonly TimeProvider _time;

    public StripeSignatureVerifier(IReadOnlyList<string> secrets, TimeSpan tolerance, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(secrets.Count, MaxSecrets);
        _keys = [.. secrets.Select(Encoding.UTF8.GetBytes)];
        _tolerance = tolerance;
        _time = time;
    }

    /// <summary>
    /// The checks that need no body: the header present, its timestamp parsable and within the tolerance. The ingest
    /// path runs these before it reads the body.
    /// </summary>
    public VerificationResult CheckHeaders(WebhookHeaders headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var header = headers[SignatureHeader];
        if (header is null)
        {
            return VerificationResult.Reject(WebhookRejection.MissingHeaders, "Missing required headers: Stripe-Signature.");
        }

        var timestamp = TimestampText(header);
        if (timestamp.Length is 0 or > MaxTimestampLength || !SignedTimestamp.TryParse(timestamp, out var unixSeconds))
        {
            return VerificationResult.Reject(WebhookRejection.MalformedHeaders,
                "Invalid Stripe-Signature header: expected 't=<unix seconds>,v1=<hex>'.");
        }

        return SignedTimestamp.Check(unixSeconds, _tolerance, _time);
    }

    /// <summary>Checks the header, its timestamp and the signature of <paramref name="body"/> exactly as received.</summary>
    public VerificationResult Verify(ReadOnlySpan<byte> body, WebhookHeaders headers)
    {
        var headerCheck = CheckHeaders(headers);
        if (!headerCheck.IsVerified)
        {
            return headerCheck;
        }

        var header = headers[SignatureHeader]!;
        return AnySignatureMatches(header, TimestampText(header), body)
            ? VerificationResult.Verified
            : VerificationResult.Reject(WebhookRejection.InvalidSignature,
                "Invalid Signature: no v1 signature in Stripe-Signature matches a configured STRIPE_WEBHOOK_SECRET.");
    }

    private bool AnySignatureMatches(ReadOnlySpan<char> header, ReadOnlySpan<char> timestamp, ReadOnlySpan<byte> body)
    {
        // The timestamp is signed exactly as it appears in the header; it is digits only, so one byte a character.
        Span<byte> prefix = stackalloc byte[timestamp.Length + 1];
        Encoding.ASCII.GetBytes(timestamp, prefix);
        prefix[^1] = (byte)'.';
        Span<byte> expected = stackalloc byte[HmacSignatures.MacLength * _keys.Length];
        HmacSignatures.Compute(_keys, prefix, body, expected);

        Span<byte> candidate = stackalloc byte[HmacSignatures.MacLength];
        foreach (var range in header.Split(','))
        {
            var item = header[range].Trim();
            if (item.StartsWith("v1=") && item.Length == 3 + (2 * HmacSignatures.MacLength)
                && Convert.FromHexString(item[3..], candidate, out _, out _) == OperationStatus.Done
                && HmacSignatures.MatchesAny(candidate, expected))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The value of the first <c>t=</c> item, or empty when there is none.</summary>
    private static ReadOnlySpan<char> TimestampText(ReadOnlySpan<char> header)
    {
        foreach (var range in header.Split(','))
        {
            var item = header[range].Trim();
            if (item.StartsWith("t="))
            {
                return item[2..];
            }
        }

        return [];
    }
}
