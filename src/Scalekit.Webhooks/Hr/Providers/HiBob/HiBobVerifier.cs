using System.Security.Cryptography;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Hr.Providers.HiBob;

/// <summary>
/// HiBob's scheme: <c>Bob-Signature</c> is the base64 HMAC-SHA512 of the raw body, keyed with the webhook secret. No
/// timestamp is signed, so there is no replay window; a repeated body is the same event (ids come from the content).
/// Whether the <c>Ping test</c> sent when a webhook is created is signed is not documented: unsigned, it is still
/// answered 200, as it stores nothing.
/// </summary>
public sealed class HiBobVerifier(IReadOnlyList<string> secrets, string secretSetting) : IWebhookVerifier
{
    public const string SignatureHeader = "Bob-Signature";
    private const int MaxSignatureLength = 128;

    private readonly byte[][] _keys = HrMacs.Keys(secrets);

    public VerificationResult CheckHeaders(WebhookHeaders headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        // A missing signature is judged with the body: HiBob's ping may come unsigned, and it stores nothing.
        return headers[SignatureHeader] switch
        {
            null => VerificationResult.Verified,
            { Length: > MaxSignatureLength } => VerificationResult.Reject(WebhookRejection.MalformedHeaders, $"Invalid Signature Headers: {SignatureHeader} must be a base64 HMAC-SHA512."),
            _ => VerificationResult.Verified,
        };
    }

    public VerificationResult Verify(ReadOnlySpan<byte> body, WebhookHeaders headers)
    {
        var headerCheck = CheckHeaders(headers);
        if (!headerCheck.IsVerified)
        {
            return headerCheck;
        }

        if (headers[SignatureHeader] is null)
        {
            return HiBobPayload.IsPing(body)
                ? VerificationResult.Verified
                : VerificationResult.Reject(WebhookRejection.MissingHeaders, $"Missing required headers: {SignatureHeader}.");
        }

        Span<byte> candidate = stackalloc byte[MaxSignatureLength];
        if (!Convert.TryFromBase64String(headers[SignatureHeader]!, candidate, out var length) || length != HMACSHA512.HashSizeInBytes)
        {
            return VerificationResult.Reject(WebhookRejection.MalformedHeaders, $"Invalid Signature Headers: {SignatureHeader} must be a base64 HMAC-SHA512.");
        }

        return HrMacs.Sha512MatchesAny(_keys, body, candidate[..length])
            ? VerificationResult.Verified
            : VerificationResult.Reject(WebhookRejection.InvalidSignature,
                $"Invalid Signature: {SignatureHeader} does not match the body under any key in {secretSetting} (the HiBob webhook's secret).");
    }
}
