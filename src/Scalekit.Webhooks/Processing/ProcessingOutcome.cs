namespace Scalekit.Webhooks.Processing;

/// <summary>
/// How a processor ended one event: the ledger status, a sentence for the operator and the organization or customer
/// it concerned. Data the event can never get past is <see cref="Parked"/>; only transient failures (storage, network,
/// 429, 5xx) throw, so the queue retries them.
/// </summary>
public sealed record ProcessingOutcome
{
    private ProcessingOutcome(ProcessingStatus status, string detail)
    {
        Status = status;
        Detail = detail;
    }

    /// <summary>One of the <see cref="ProcessingStatus"/> values.</summary>
    public ProcessingStatus Status { get; }

    public string Detail { get; }

    public string? OrganizationId { get; init; }

    public string? CustomerId { get; init; }

    /// <summary>
    /// This delivery made the event's first write, so no delivery before it applied (or recorded) the event. Set only
    /// by processors that can tell; false when unknown.
    /// </summary>
    public bool FirstWrite { get; init; }

    /// <summary>The event needs a person: it goes to the dead letters with <see cref="Detail"/> as the reason.</summary>
    public bool IsParked => Status == ProcessingStatus.Parked;

    /// <summary>The event changed state.</summary>
    public static ProcessingOutcome Applied(string detail) => new(ProcessingStatus.Processed, detail);

    /// <summary>Every row the event would change already reflects a newer event.</summary>
    public static ProcessingOutcome Stale(string detail) => new(ProcessingStatus.StaleSkipped, detail);

    /// <summary>The event's type changes no state.</summary>
    public static ProcessingOutcome Ignored(string detail) => new(ProcessingStatus.Ignored, detail);

    /// <summary>Not final: the event waits for something else (a billing customer for its organization link).</summary>
    public static ProcessingOutcome Waiting(string detail) => new(ProcessingStatus.WaitingForOrganization, detail);

    /// <summary>Final: the wait ended without what the event waited for (no organization took the customer in time).</summary>
    public static ProcessingOutcome GaveUpWaiting(string detail) => new(ProcessingStatus.NoLinkedOrganization, detail);

    /// <summary>The event can never succeed as it is (malformed data, a limit, a permanent refusal).</summary>
    public static ProcessingOutcome Parked(string reason) => new(ProcessingStatus.Parked, reason);
}
