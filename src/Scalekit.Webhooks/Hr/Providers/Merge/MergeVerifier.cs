using System.Buffers.Text;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Hr.Providers.Merge;

/// <summary>
/// Merge's scheme: <c>X-Merge-Webhook-Signature</c> is the base64url HMAC-SHA256 of the raw body, keyed with the
/// organization's one webhook signature key; padding is ignored.
/// </summary>
public sealed class MergeVerifier(IReadOnlyList<string> keys) : IWebhookVerifier
{
    public const string SignatureHeader = "X-Merge-Webhook-Signature";
    private const int MaxSignatureLength = 64;

    private readonly byte[][] _keys = HrMacs.Keys(keys);

    public VerificationResult CheckHeaders(WebhookHeaders headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return headers[SignatureHeader] switch
        {
            null => VerificationResult.Reject(WebhookRejection.MissingHeaders, $"Missing required headers: {SignatureHeader}."),
            { Length: > MaxSignatureLength } => VerificationResult.Reject(WebhookRejection.MalformedHeaders, $"Invalid Signature Headers: {SignatureHeader} must be a base64url HMAC-SHA256."),
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

        Span<byte> candidate = stackalloc byte[MaxSignatureLength];
        if (!Base64Url.TryDecodeFromChars(headers[SignatureHeader]!.AsSpan().TrimEnd('='), candidate, out var length))
        {
            return VerificationResult.Reject(WebhookRejection.MalformedHeaders, $"Invalid Signature Headers: {SignatureHeader} must be a base64url HMAC-SHA256.");
        }

        return HrMacs.Sha256MatchesAny(_keys, default, body, candidate[..length])
            ? VerificationResult.Verified
            : VerificationResult.Reject(WebhookRejection.InvalidSignature,
                $"Invalid Signature: {SignatureHeader} does not match the body under any key in {MergeOptions.SignatureKeySetting}.");
    }
}
