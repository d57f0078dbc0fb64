using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Processing;

/// <summary>One event as the ledger knows it: ids, status, attempts, times and its raw payload (inline or by blob).</summary>
public sealed record LedgerEntry(string Source, string EventId)
{
    /// <summary>The partition its row was read from.</summary>
    internal string? Partition { get; init; }

    public string? EventType { get; init; }

    /// <summary>Null for a status this build does not know (a row written by a newer version); see <see cref="StatusName"/>.</summary>
    public ProcessingStatus? Status { get; init; }

    /// <summary>The status as stored.</summary>
    public string? StatusName { get; init; }

    public int Attempts { get; init; }

    public int ReplayCount { get; init; }

    public string? Detail { get; init; }

    public string? LastError { get; init; }

    public string? OrganizationId { get; init; }

    public string? CustomerId { get; init; }

    public string? FirstDeliveryId { get; init; }

    public string? LastDeliveryId { get; init; }

    /// <summary>How the event first came: <c>webhook</c>, or <c>recovered</c> from the sender's event list (<see cref="EventDelivery"/>).</summary>
    public string Delivery => EventDelivery.Of(FirstDeliveryId);

    public string? ApiVersion { get; init; }

    public DateTimeOffset? OccurredAt { get; init; }

    public DateTimeOffset? ReceivedAt { get; init; }

    public DateTimeOffset? LastAttemptAt { get; init; }

    public DateTimeOffset? LeaseUntil { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    public DateTimeOffset? LastFailedAt { get; init; }

    /// <summary>The raw body when it is kept inline (small events).</summary>
    public string? Payload { get; init; }

    /// <summary>Where the raw body is kept when it is too large for the row (the claim check).</summary>
    public PayloadReference? PayloadBlob { get; init; }

    public DateTimeOffset? PayloadRemovedAt { get; init; }

    /// <summary>Why the payload was removed (<c>retention</c>, <c>erasure</c>).</summary>
    public string? PayloadRemovedReason { get; init; }

    public bool HoldsPayload => Payload is not null || PayloadBlob is not null;

    /// <summary>The source, when this build knows it.</summary>
    public WebhookSource? KnownSource => EventSources.TryParse(Source, out var source) ? source : null;
}

/// <summary>Which ledger entries to list; every part is optional.</summary>
public sealed record LedgerFilter
{
    public WebhookSource? Source { get; init; }

    public string? EventType { get; init; }

    /// <summary>A status's wire spelling (see <see cref="ProcessingStatusNames"/>).</summary>
    public string? Status { get; init; }

    public string? OrganizationId { get; init; }

    public string? CustomerId { get; init; }

    /// <summary>Received at or after.</summary>
    public DateTimeOffset? ReceivedFrom { get; init; }

    /// <summary>Received before.</summary>
    public DateTimeOffset? ReceivedBefore { get; init; }
}

/// <summary>One page of ledger entries and the token for the next one (null on the last page).</summary>
public sealed record LedgerPage(IReadOnlyList<LedgerEntry> Entries, string? ContinuationToken);
