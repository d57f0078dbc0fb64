namespace Scalekit.Webhooks.Verification;

/// <summary>Outcome of a signature check: verified, or rejected with a reason and a message saying what to check.</summary>
public readonly record struct VerificationResult(WebhookRejection? Rejection, string Detail)
{
    public static VerificationResult Verified { get; } = new(null, "verified");

    public bool IsVerified => Rejection is null;

    public static VerificationResult Reject(WebhookRejection reason, string detail) => new(reason, detail);
}
