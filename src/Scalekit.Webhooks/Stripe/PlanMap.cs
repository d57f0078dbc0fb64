using System.Text.Json;

namespace Scalekit.Webhooks.Stripe;

/// <summary>
/// Which plan and premium features each Stripe price lookup key grants. Read from the <c>BILLING_PLAN_MAP</c> setting:
/// <c>{"pro_monthly": {"plan": "pro", "features": ["sso", "dir_sync"]}, "dir_sync_addon": {"features": ["dir_sync"]}}</c>;
/// an entry without a plan is an add-on, which only adds features. Every feature named anywhere in the map is managed:
/// switched on for subscriptions whose items list it, off for all others.
/// </summary>
public sealed class PlanMap
{
    public const string Setting = "BILLING_PLAN_MAP";

    /// <summary>The organization features Scalekit knows; any other name would be refused by its API.</summary>
    public static IReadOnlyList<string> KnownFeatures { get; } = ["sso", "dir_sync"];

    private readonly Dictionary<string, PlanEntitlement> _plans;

    // The lookup keys in the order the setting lists them: among several plan items, the first listed is the plan.
    private readonly string[] _order;

    /// <param name="plans">The entries in the setting's order (the order decides between several plan items).</param>
    public PlanMap(IEnumerable<KeyValuePair<string, PlanEntitlement>> plans)
    {
        ArgumentNullException.ThrowIfNull(plans);
        var entries = plans.ToArray();
        _plans = new Dictionary<string, PlanEntitlement>(entries, StringComparer.Ordinal);
        _order = [.. entries.Select(e => e.Key)];
        ManagedFeatures = [.. _plans.Values.SelectMany(p => p.Features).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    public static PlanMap Empty { get; } = new(new Dictionary<string, PlanEntitlement>());

    public IReadOnlyList<string> ManagedFeatures { get; }

    /// <summary>The plan for <paramref name="lookupKey"/>; an unmapped key is its own plan name with no features.</summary>
    public PlanEntitlement For(string? lookupKey) => For(lookupKey is null ? [] : [lookupKey]);

    /// <summary>
    /// The plan and features of a subscription whose items have the prices <paramref name="lookupKeys"/> (in item
    /// order). The plan is the item whose key is a plan in the map, the one listed first in the map when several are;
    /// when none is, the first item's key is its own plan name (today's unmapped plan). The features are the union of
    /// every mapped item's features, so an add-on adds its features whatever the item order.
    /// </summary>
    public PlanEntitlement For(IReadOnlyList<string?> lookupKeys)
    {
        ArgumentNullException.ThrowIfNull(lookupKeys);
        var keys = lookupKeys.OfType<string>().ToHashSet(StringComparer.Ordinal);
        var planKey = _order.FirstOrDefault(k => keys.Contains(k) && _plans[k].Plan is not null);
        var plan = planKey is not null ? _plans[planKey].Plan : lookupKeys.FirstOrDefault(k => k is not null && !_plans.ContainsKey(k)) ?? lookupKeys.FirstOrDefault(k => k is not null) ?? "unknown";
        var features = _order.Where(keys.Contains).SelectMany(k => _plans[k].Features).Distinct(StringComparer.Ordinal).ToArray();
        return new PlanEntitlement(plan!, features) { LookupKey = planKey ?? lookupKeys.FirstOrDefault(k => k is not null) };
    }

    /// <summary>Parses the setting; throws <see cref="FormatException"/> naming the setting when it is not valid.</summary>
    public static PlanMap Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return Empty;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var plans = new List<KeyValuePair<string, PlanEntitlement>>();
            foreach (var entry in document.RootElement.EnumerateObject())
            {
                var plan = entry.Value.TryGetProperty("plan", out var name)
                    ? name.GetString() ?? throw new FormatException($"{Setting}: '{entry.Name}' has a null plan; leave 'plan' out for an add-on.")
                    : null;
                var features = entry.Value.TryGetProperty("features", out var list)
                    ? list.EnumerateArray().Select(f => f.GetString() ?? throw new FormatException($"{Setting}: '{entry.Name}' has a non-string feature.")).ToArray()
                    : [];
                if (features.FirstOrDefault(f => !KnownFeatures.Contains(f, StringComparer.Ordinal)) is { } unknown)
                {
                    throw new FormatException($"{Setting}: '{entry.Name}' names the feature '{unknown}', which Scalekit does not know; known features: {string.Join(", ", KnownFeatures)}.");
                }

                if (plan is null && features.Length == 0)
                {
                    throw new FormatException($"{Setting}: '{entry.Name}' has neither a plan nor features.");
                }

                if (plans.Any(p => p.Key == entry.Name))
                {
                    throw new FormatException($"{Setting}: '{entry.Name}' is listed twice.");
                }

                plans.Add(new(entry.Name, new PlanEntitlement(plan, features)));
            }

            return new PlanMap(plans);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            throw new FormatException($"{Setting} is not a JSON object of lookup key → {{\"plan\": string (left out for an add-on), \"features\": [string]}}: {ex.Message}", ex);
        }
    }
}

/// <summary>A plan name (null for an add-on) and the features it switches on.</summary>
public sealed record PlanEntitlement(string? Plan, IReadOnlyList<string> Features)
{
    /// <summary>For a subscription's plan: the price lookup key of the item the plan came from.</summary>
    public string? LookupKey { get; init; }
}
