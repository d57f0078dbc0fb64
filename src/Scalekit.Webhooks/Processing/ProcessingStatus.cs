namespace Scalekit.Webhooks.Processing;

/// <summary>Ledger statuses of an event. <see cref="ProcessingStatusNames.Name"/> gives each its one wire spelling.</summary>
public enum ProcessingStatus
{
    /// <summary>A consumer is applying it now (or died doing so; the lease says until when).</summary>
    Processing,

    Processed,

    /// <summary>A type that changes no state (including types Scalekit added after this build).</summary>
    Ignored,

    /// <summary>Every row it would change already reflects a newer event.</summary>
    StaleSkipped,

    /// <summary>
    /// A billing event for a customer that no Scalekit organization has as external id yet: not final. Its state is
    /// synced once the link appears (an organization event, the replayer's re-check, or an operator's sync).
    /// </summary>
    WaitingForOrganization,

    /// <summary>A billing event whose customer no Scalekit organization took as external id within the late-link window; not retried.</summary>
    NoLinkedOrganization,

    /// <summary>The last attempt threw; the queue retries it and, in the end, the poison queue holds it.</summary>
    Failed,

    /// <summary>It can never succeed as it is (bad data, a limit, a permanent API refusal); parked for a person.</summary>
    Parked,
}

/// <summary>The wire spelling of each <see cref="ProcessingStatus"/> (ledger rows, API, CLI, metrics) and what it means.</summary>
public static class ProcessingStatusNames
{
    private static readonly Dictionary<string, ProcessingStatus> ByName = Enum.GetValues<ProcessingStatus>().ToDictionary(Name, StringComparer.Ordinal);

    public static string Name(this ProcessingStatus status) => status switch
    {
        ProcessingStatus.Processing => "processing",
        ProcessingStatus.Processed => "processed",
        ProcessingStatus.Ignored => "ignored",
        ProcessingStatus.StaleSkipped => "stale-skipped",
        ProcessingStatus.WaitingForOrganization => "waiting-for-organization",
        ProcessingStatus.NoLinkedOrganization => "no-linked-organization",
        ProcessingStatus.Failed => "failed",
        ProcessingStatus.Parked => "parked",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    /// <summary>The status spelled <paramref name="name"/>, or null for a spelling this build does not know.</summary>
    public static ProcessingStatus? Parse(string? name) => name is not null && ByName.TryGetValue(name, out var status) ? status : null;

    /// <summary>No consumer will apply it again by itself (a replay can).</summary>
    public static bool IsFinal(this ProcessingStatus status) => status is ProcessingStatus.Processed or ProcessingStatus.Ignored
        or ProcessingStatus.StaleSkipped or ProcessingStatus.NoLinkedOrganization or ProcessingStatus.Parked;

    /// <inheritdoc cref="IsFinal(ProcessingStatus)"/>
    public static bool IsFinal(this ProcessingStatus? status) => status is { } known && known.IsFinal();
}
