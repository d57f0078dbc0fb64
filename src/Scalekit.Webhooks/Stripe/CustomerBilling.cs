using Azure;

namespace Scalekit.Webhooks.Stripe;

/// <summary>How the last sync attempt of a customer ended.</summary>
public static class SyncResults
{
    public const string Sent = "sent";
    public const string Unchanged = "skipped-unchanged";
    public const string Refused = "refused";
    public const string DryRun = "dry-run";
    public const string WaitingForOrganization = "waiting-for-organization";
    public const string NoLinkedOrganization = "no-linked-organization";

    /// <summary>Results after which Scalekit holds (or, in a dry run, would hold) the version that was written.</summary>
    public static bool Written(string result) => result is Sent or Unchanged or DryRun;
}

/// <summary>How a sync ended: one of <see cref="SyncResults"/>, the organization, what happened and the version it concerns.</summary>
public sealed record SyncResult(string Result, string? OrganizationId, string Detail, long Version);

/// <summary>One sync attempt: when, how it ended, why, and what was (or would have been) sent.</summary>
public sealed record SyncAttempt(
    DateTimeOffset At,
    string Result,
    string Reason,
    string? OrganizationId,
    IReadOnlyDictionary<string, string>? Metadata,
    IReadOnlyDictionary<string, bool>? Features,
    bool OverBudget = false);

/// <summary>A customer's billing row: the state Scalekit should hold (with its version), the version it holds, the sync lease and the last attempt.</summary>
public sealed record CustomerBilling(
    string CustomerId,
    BillingState? State,
    long DesiredVersion,
    string? SourceEventId,
    long SyncedVersion,
    string? LeaseId,
    DateTimeOffset? LeaseUntil,
    SyncAttempt? LastAttempt,
    long LastAttemptVersion,
    DateTimeOffset? WaitingSince,
    ETag ETag)
{
    /// <summary>The stored columns this was read from, so the row after an ETag-checked merge is known without a read.</summary>
    internal IReadOnlyDictionary<string, object>? Columns { get; init; }

    /// <summary>The newest entitlement summary of the customer (with <c>BILLING_FEATURE_SOURCE=entitlements</c>); null before the first.</summary>
    public EntitlementSummary? Entitlements { get; init; }
}

/// <summary>
/// The Stripe feature lookup keys a customer is entitled to, as of <paramref name="At"/> (the summary event's
/// <c>created</c>, or when the active entitlements were read), and the event or read that said so.
/// </summary>
public sealed record EntitlementSummary(IReadOnlyList<string> LookupKeys, DateTimeOffset At, string Source)
{
    /// <summary>Whether this summary is newer than <paramref name="other"/>: later wins, at the same time the larger source id.</summary>
    public bool IsNewerThan(EntitlementSummary? other) =>
        other is null || At > other.At || (At == other.At && string.CompareOrdinal(Source, other.Source) > 0);
}
