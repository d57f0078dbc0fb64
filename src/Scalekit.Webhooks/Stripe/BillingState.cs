using System.Globalization;

namespace Scalekit.Webhooks.Stripe;

/// <summary>What one subscription row says, as the governing-subscription choice reads it.</summary>
public sealed record SubscriptionFacts(string Id, string Status, string Plan, IReadOnlyList<string> Features, DateTimeOffset? PeriodEnd, DateTimeOffset Created, DateTimeOffset LastEventAt);

/// <summary>
/// A customer's billing state as Scalekit should see it, derived from all of the customer's subscriptions: the
/// governing one is the one with the best status (active or trialing, then past_due, then unpaid, incomplete or paused,
/// then canceled or incomplete_expired), the newest among equals. A deleted customer keeps the governing subscription's
/// facts and adds its deletion.
/// </summary>
public sealed record BillingState(
    string? SubscriptionId,
    string? Status,
    string? Plan,
    DateTimeOffset? PeriodEnd,
    IReadOnlyList<string> Features,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? DeletedAt,
    bool FeaturesKnown = true)
{
    private static readonly string[] EntitledStatuses = ["active", "trialing", "past_due"];

    /// <summary>Lower is better: how strongly a subscription in <paramref name="status"/> speaks for the customer.</summary>
    public static int Rank(string? status) => status switch
    {
        "active" or "trialing" => 0,
        "past_due" => 1,
        "unpaid" or "incomplete" or "paused" => 2,
        _ => 3,
    };

    /// <summary>The state the customer's subscriptions and deletion give, or null when there is nothing to say.</summary>
    public static BillingState? From(IReadOnlyCollection<SubscriptionFacts> subscriptions, DateTimeOffset? deletedAt, DateTimeOffset? deletionEventAt)
    {
        ArgumentNullException.ThrowIfNull(subscriptions);
        var governing = subscriptions
            .OrderBy(s => Rank(s.Status))
            .ThenByDescending(s => s.Created)
            .ThenByDescending(s => s.LastEventAt)
            .ThenByDescending(s => s.Id, StringComparer.Ordinal)
            .FirstOrDefault();
        if (governing is null && deletedAt is null)
        {
            return null;
        }

        var updatedAt = subscriptions.Select(s => s.LastEventAt).Append(deletionEventAt ?? DateTimeOffset.MinValue).Max();
        var entitled = deletedAt is null && governing is not null && EntitledStatuses.Contains(governing.Status, StringComparer.Ordinal);
        return new BillingState(governing?.Id, governing?.Status, governing?.Plan, governing?.PeriodEnd, entitled ? governing!.Features : [], updatedAt, deletedAt);
    }

    /// <summary>
    /// The state with its features from Stripe Entitlements (<c>BILLING_FEATURE_SOURCE=entitlements</c>):
    /// <paramref name="features"/> are the Scalekit features of the newest entitlement summary, taken as of
    /// <paramref name="summaryAt"/>; null when no summary is known yet, and then no feature is switched. A deleted
    /// customer has none. Null when neither the subscriptions nor a summary say anything.
    /// </summary>
    public static BillingState? WithEntitlements(BillingState? state, IReadOnlyList<string>? features, DateTimeOffset? summaryAt)
    {
        if (state is null && (features is null || summaryAt is null))
        {
            return null;
        }

        state ??= new BillingState(null, null, null, null, [], summaryAt!.Value, null);
        var updatedAt = summaryAt is { } at && at > state.UpdatedAt ? at : state.UpdatedAt;
        return state.DeletedAt is not null
            ? state with { Features = [], FeaturesKnown = true, UpdatedAt = updatedAt }
            : state with { Features = features ?? [], FeaturesKnown = features is not null, UpdatedAt = updatedAt };
    }

    /// <summary>The metadata pairs billing owns for this state, in the configured mode and key names.</summary>
    public IReadOnlyDictionary<string, string> Metadata(BillingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var keys = options.Keys;
        if (options.Mode == BillingMetadataMode.Compact)
        {
            return new Dictionary<string, string>(StringComparer.Ordinal) { [keys.Compact] = Compact() };
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        Add(metadata, keys.Status, Status);
        Add(metadata, keys.Plan, Plan);
        Add(metadata, keys.PeriodEnd, PeriodEnd is { } end ? Iso(end) : null);
        metadata[keys.UpdatedAt] = Iso(UpdatedAt);
        if (DeletedAt is { } deleted)
        {
            metadata[keys.BillingStatus] = "deleted";
            metadata[keys.DeletionDate] = Iso(deleted);
        }

        return metadata;
    }

    /// <summary>
    /// The compact form: <c>status=active;plan=pro;period_end=2026-12-25T10:00:00Z;updated=2026-11-25T10:00:00Z</c>,
    /// plus <c>;deleted=…</c> once the customer is deleted; facts that are unknown are left out.
    /// </summary>
    public string Compact()
    {
        var parts = new List<string>();
        AddPart(parts, "status", Status);
        AddPart(parts, "plan", Plan);
        AddPart(parts, "period_end", PeriodEnd is { } end ? Iso(end) : null);
        AddPart(parts, "updated", Iso(UpdatedAt));
        AddPart(parts, "deleted", DeletedAt is { } deleted ? Iso(deleted) : null);
        return string.Join(';', parts);
    }

    /// <summary>Every managed feature: on when the governing plan grants it and the customer is entitled, else off.</summary>
    public IReadOnlyDictionary<string, bool> FeatureSwitches(PlanMap plans)
    {
        ArgumentNullException.ThrowIfNull(plans);
        return FeatureSwitches(plans.ManagedFeatures);
    }

    /// <summary>Each of the <paramref name="managed"/> features: on when this state grants it, else off; none while the features are not known.</summary>
    public IReadOnlyDictionary<string, bool> FeatureSwitches(IReadOnlyList<string> managed)
    {
        ArgumentNullException.ThrowIfNull(managed);
        return FeaturesKnown
            ? managed.ToDictionary(f => f, f => Features.Contains(f, StringComparer.Ordinal), StringComparer.Ordinal)
            : new Dictionary<string, bool>(StringComparer.Ordinal);
    }

    /// <summary>The same state, for change detection (records compare lists by reference).</summary>
    public bool SameAs(BillingState? other) =>
        other is not null && this with { Features = [] } == other with { Features = [] } && Features.SequenceEqual(other.Features, StringComparer.Ordinal);

    public static string Iso(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static void Add(Dictionary<string, string> metadata, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            metadata[key] = value;
        }
    }

    private static void AddPart(List<string> parts, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            parts.Add($"{name}={value}");
        }
    }
}
