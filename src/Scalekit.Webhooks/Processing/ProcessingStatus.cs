namespace Scalekit.Webhooks.Processing;

/// <summary>Ledger statuses of an event.</summary>
public static class ProcessingStatus
{
    /// <summary>A consumer is applying it now (or died doing so; the lease says until when).</summary>
    public const string Processing = "processing";

    public const string Processed = "processed";

    /// <summary>A type that changes no state (including types Scalekit added after this build).</summary>
    public const string Ignored = "ignored";

    /// <summary>Every row it would change already reflects a newer event.</summary>
    public const string StaleSkipped = "stale-skipped";

    /// <summary>
    /// A billing event for a customer that no Scalekit organization has as external id yet: not final. Its state is
    /// synced once the link appears (an organization event, the replayer's re-check, or an operator's sync).
    /// </summary>
    public const string WaitingForOrganization = "waiting-for-organization";

    /// <summary>A billing event whose customer no Scalekit organization took as external id within the late-link window; not retried.</summary>
    public const string NoLinkedOrganization = "no-linked-organization";

    /// <summary>The last attempt threw; the queue retries it and, in the end, the poison queue holds it.</summary>
    public const string Failed = "failed";

    /// <summary>It can never succeed as it is (bad data, a limit, a permanent API refusal); parked for a person.</summary>
    public const string Parked = "parked";

    public static bool IsFinal(string? status) => status is Processed or Ignored or StaleSkipped or NoLinkedOrganization or Parked;
}
