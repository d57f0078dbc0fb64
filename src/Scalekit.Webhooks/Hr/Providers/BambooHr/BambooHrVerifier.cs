using System.Buffers;
using System.Globalization;
using System.Text;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Hr.Providers.BambooHr;

/// <summary>
/// BambooHR's scheme: <c>X-BambooHR-Signature</c> is the lowercase hex HMAC-SHA256 of the raw body followed directly by
/// the <c>X-BambooHR-Timestamp</c> header's text, keyed with the webhook's private key. The timestamp's format is not
/// documented, so its text is signed as sent and its age is checked only when it reads as Unix seconds or ISO 8601.
/// </summary>
public sealed class BambooHrVerifier(IReadOnlyList<string> privateKeys, TimeSpan tolerance, TimeProvider time, string secretSetting) : IWebhookVerifier
{
    public const string TimestampHeader = "X-BambooHR-Timestamp";
    public const string SignatureHeader = "X-BambooHR-Signature";
    private const int MaxTimestampLength = 64;
    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    private readonly byte[][] _keys = HrMacs.Keys(privateKeys);

    public VerificationResult CheckHeaders(WebhookHeaders headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var timestamp = headers[TimestampHeader];
        var signature = headers[SignatureHeader];
        if (timestamp is null || signature is null)
        {
            return VerificationResult.Reject(WebhookRejection.MissingHeaders,
                $"Missing required headers: {string.Join(", ", new[] { timestamp is null ? TimestampHeader : null, signature is null ? SignatureHeader : null }.OfType<string>())}.");
        }

        if (timestamp.Length > MaxTimestampLength || signature.Length != 64 || signature.AsSpan().ContainsAnyExcept(HexDigits))
        {
            return VerificationResult.Reject(WebhookRejection.MalformedHeaders,
                $"Invalid Signature Headers: {SignatureHeader} must be 64 hex digits and {TimestampHeader} at most {MaxTimestampLength} characters.");
        }

        if (SignedTimestamp.TryParse(timestamp, out var unixSeconds))
        {
            return SignedTimestamp.Check(unixSeconds, tolerance, time);
        }

        return DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? SignedTimestamp.Check(at.ToUnixTimeSeconds(), tolerance, time)
            : VerificationResult.Verified;
    }

    public VerificationResult Verify(ReadOnlySpan<byte> body, WebhookHeaders headers)
    {
        var headerCheck = CheckHeaders(headers);
        if (!headerCheck.IsVerified)
        {
            return headerCheck;
        }

        Span<byte> candidate = stackalloc byte[HmacSignatures.MacLength];
        Convert.FromHexString(headers[SignatureHeader]!, candidate, out _, out _);
        var timestamp = headers[TimestampHeader]!;
        Span<byte> timestampBytes = stackalloc byte[Encoding.UTF8.GetMaxByteCount(timestamp.Length)];
        var written = Encoding.UTF8.GetBytes(timestamp, timestampBytes);
        return HrMacs.Sha256MatchesAny(_keys, body, timestampBytes[..written], candidate)
            ? VerificationResult.Verified
            : VerificationResult.Reject(WebhookRejection.InvalidSignature,
                $"Invalid Signature: {SignatureHeader} does not match the body and {TimestampHeader} under any key in {secretSetting} (the BambooHR webhook's private key).");
    }
}
