using System.Globalization;

namespace Scalekit.Webhooks.Verification;

/// <summary>Parses a Unix-seconds timestamp and checks it against a tolerance in both directions.</summary>
internal static class SignedTimestamp
{
    public static bool TryParse(ReadOnlySpan<char> text, out long unixSeconds) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out unixSeconds);

    public static VerificationResult Check(long unixSeconds, TimeSpan tolerance, TimeProvider time)
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var limit = (long)tolerance.TotalSeconds;
        if (now - unixSeconds > limit)
        {
            return VerificationResult.Reject(WebhookRejection.TimestampTooOld,
                $"Message timestamp too old: signed {now - unixSeconds} s ago, tolerance is {limit} s. Check the sender's clock or raise WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS.");
        }

        if (unixSeconds - now > limit)
        {
            return VerificationResult.Reject(WebhookRejection.TimestampTooNew,
                $"Message timestamp too new: signed {unixSeconds - now} s in the future, tolerance is {limit} s. Check the sender's clock.");
        }

        return VerificationResult.Verified;
    }
}
