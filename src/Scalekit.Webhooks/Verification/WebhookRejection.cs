namespace Scalekit.Webhooks.Verification;

/// <summary>Why a delivery was refused. Each value maps to one HTTP status and problem type.</summary>
public enum WebhookRejection
{
    /// <summary>A required signature header is absent or empty (400).</summary>
    MissingHeaders,

    /// <summary>The timestamp or signature header cannot be parsed (400).</summary>
    MalformedHeaders,

    /// <summary>The signed timestamp is older than the tolerance (401).</summary>
    TimestampTooOld,

    /// <summary>The signed timestamp is further in the future than the tolerance (401).</summary>
    TimestampTooNew,

    /// <summary>No signature matches any configured secret (401).</summary>
    InvalidSignature,

    /// <summary>The body is larger than the configured limit (413).</summary>
    BodyTooLarge,

    /// <summary>The body is not a JSON object (400).</summary>
    BodyNotJson,

    /// <summary>The event has no <c>id</c> (400).</summary>
    MissingEventId,

    /// <summary>The event has no <c>type</c> (400).</summary>
    MissingEventType,

    /// <summary>A Stripe event's API version differs from the expected one and the policy is to reject (400).</summary>
    ApiVersionMismatch,

    /// <summary>A field of an HR event is missing or has the wrong shape; the detail names it (400).</summary>
    InvalidEvent,
}
