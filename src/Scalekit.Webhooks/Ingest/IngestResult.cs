using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Ingest;

/// <summary>What happened to one delivery.</summary>
public enum IngestOutcome
{
    /// <summary>Verified and durably stored in its queue (201).</summary>
    Accepted,

    /// <summary>Refused for a reason the sender must fix (4xx); nothing was stored.</summary>
    Rejected,

    /// <summary>No secret is configured for this source; the sender should retry once it is (503).</summary>
    NotConfigured,

    /// <summary>Verified but could not be stored; the sender should retry (503).</summary>
    StorageUnavailable,

    /// <summary>No connection of this source has the id in the route (404).</summary>
    UnknownConnection,

    /// <summary>The source takes deliveries only on its per-connection routes; the shared route is removed (410).</summary>
    Gone,

    /// <summary>A sender's test delivery (a ping), verified and answered 200; nothing was stored.</summary>
    Acknowledged,
}

/// <summary>The result of ingesting one delivery; the HTTP layer turns it into a response with <see cref="WebhookResponse"/>.</summary>
public sealed record IngestResult(IngestOutcome Outcome, string Detail)
{
    public WebhookRejection? Rejection { get; init; }

    public string? EventId { get; init; }

    public string? EventType { get; init; }

    public string? DeliveryId { get; init; }

    public bool ClaimChecked { get; init; }

    public static IngestResult Accepted(EventEnvelope envelope, bool claimChecked)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return new(IngestOutcome.Accepted, "stored")
        {
            EventId = envelope.EventId,
            EventType = envelope.EventType,
            DeliveryId = envelope.DeliveryId,
            ClaimChecked = claimChecked,
        };
    }

    public static IngestResult Rejected(VerificationResult verification) =>
        new(IngestOutcome.Rejected, verification.Detail) { Rejection = verification.Rejection };
}
