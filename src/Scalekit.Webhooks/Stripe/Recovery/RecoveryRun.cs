using Azure;

namespace Scalekit.Webhooks.Stripe.Recovery;

/// <summary>Where a recovery run stands: <c>queued</c>, <c>running</c> (a page was worked), <c>completed</c> or <c>failed</c>.</summary>
public static class RecoveryState
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";

    public static bool IsFinal(string state) => state is Completed or Failed;
}

/// <summary>
/// One recovery of missed Stripe events: the window it lists, the cursor of the last page it finished (Stripe's
/// <c>starting_after</c>), so a crashed run resumes there, and its counts.
/// </summary>
/// <param name="Id">The run's id (<c>rec_…</c>).</param>
/// <param name="Since">Events created at or after this are listed.</param>
/// <param name="Trigger"><c>ops</c> (the operations API) or <c>schedule</c>.</param>
public sealed record RecoveryRun(string Id, DateTimeOffset Since, string Trigger)
{
    public string State { get; init; } = RecoveryState.Queued;

    /// <summary>The id of the last event of the last finished page; null before the first page.</summary>
    public string? Cursor { get; init; }

    public int Pages { get; init; }

    /// <summary>Events of handled types Stripe listed.</summary>
    public int Listed { get; init; }

    /// <summary>Listed events the ledger already held (not sent again).</summary>
    public int AlreadyKnown { get; init; }

    /// <summary>Listed events sent to the event queue, marked recovered.</summary>
    public int Queued { get; init; }

    /// <summary>Listed events refused as a delivery would be (e.g. an API version the policy rejects).</summary>
    public int Failed { get; init; }

    /// <summary>Failed attempts at the current page since the last finished one.</summary>
    public int Attempts { get; init; }

    public string? LastError { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>The row's version, for the ETag-checked write of the consumer that holds the run.</summary>
    internal ETag Version { get; init; }

    public static RecoveryRun Start(DateTimeOffset since, string trigger, DateTimeOffset now) =>
        new("rec_" + Guid.NewGuid().ToString("N"), since, trigger) { StartedAt = now, UpdatedAt = now };
}
