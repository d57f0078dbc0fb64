namespace Scalekit.Webhooks.Verification;

/// <summary>One sender's signature scheme: cheap header checks first, then the signature over the raw body.</summary>
public interface IWebhookVerifier
{
    /// <summary>Refuses a delivery whose signature headers are missing, malformed or outside the timestamp tolerance, before its body is read.</summary>
    VerificationResult CheckHeaders(WebhookHeaders headers);

    /// <summary>Checks the signature of <paramref name="body"/> against every active secret.</summary>
    VerificationResult Verify(ReadOnlySpan<byte> body, WebhookHeaders headers);
}
