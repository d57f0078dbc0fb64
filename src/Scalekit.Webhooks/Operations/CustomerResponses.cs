namespace Scalekit.Webhooks.Operations;

// The operations API's bodies about a Stripe customer: its details, subscriptions, seats and billing sync (the other
// bodies, and the rules they all follow, are in OpsResponses.cs).

/// <summary>What the customer's own events said (deleted, checkout).</summary>
public sealed record CustomerDetailsView(
    string? Email,
    string? Name,
    string? BillingStatus,
    DateTimeOffset? DeletedOn,
    string? CheckoutSessionId,
    string? CheckoutSubscriptionId,
    string? ClientReferenceId,
    AppliedEvent? LastAppliedEvent);

/// <summary>One subscription of a customer.</summary>
public sealed record SubscriptionView(
    string SubscriptionId,
    string? Status,
    string? PriceLookupKey,
    string? Plan,
    IReadOnlyList<string> Features,
    DateTimeOffset? CurrentPeriodEnd,
    DateTimeOffset? Created,
    bool? CancelAtPeriodEnd,
    DateTimeOffset? TrialEnd,
    DateTimeOffset? DeletedAt,
    AppliedEvent? LastAppliedEvent,
    IReadOnlyList<Stripe.SubscriptionItem>? Items = null);

/// <summary>The organization's last seat sync: when, how it ended and why, the item and the quantity it moved from and to.</summary>
public sealed record SeatSyncView(DateTimeOffset At, string Outcome, string Detail, string? ItemId, long? From, long? To);

/// <summary>The billing state Scalekit should hold for a customer (derived from all its subscriptions).</summary>
public sealed record BillingStateView(
    string? SubscriptionId,
    string? Status,
    string? Plan,
    DateTimeOffset? PeriodEnd,
    IReadOnlyList<string> Features,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? DeletedAt);

/// <summary>The last sync attempt of a customer.</summary>
public sealed record SyncAttemptView(
    DateTimeOffset At,
    string Result,
    string Reason,
    long Version,
    string? OrganizationId,
    bool OverBudget,
    IReadOnlyDictionary<string, string>? Metadata,
    IReadOnlyDictionary<string, bool>? Features);

/// <summary>The billing sync of one customer: versions, the desired state, the last attempt.</summary>
public sealed record SyncView(
    long DesiredVersion,
    long SyncedVersion,
    string? SourceEventId,
    BillingStateView? State,
    DateTimeOffset? WaitingSince,
    SyncAttemptView? LastAttempt);

/// <summary>One customer in the customers list: where its billing stands and how its last sync ended.</summary>
public sealed record CustomerSummaryView(
    string CustomerId,
    string? OrganizationId,
    string? Email,
    string? SubscriptionStatus,
    string? Plan,
    string? LastSyncResult,
    DateTimeOffset? LastSyncAt,
    DateTimeOffset? DeletedAt);

/// <summary>A Stripe customer: its subscriptions, entitlements, linked organization and billing sync.</summary>
public sealed record CustomerView(
    string CustomerId,
    string? OrganizationId,
    SyncView? Sync,
    CustomerDetailsView? Customer,
    IReadOnlyList<SubscriptionView> Subscriptions,
    IReadOnlyList<string> Entitlements,
    SeatSyncView? Seats = null);

/// <summary>The answer to an operator's re-sync of a customer.</summary>
public sealed record SyncResultView(string CustomerId, string Result, string? OrganizationId, long Version, string Detail);
