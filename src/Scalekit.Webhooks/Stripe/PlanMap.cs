using System.Text.Json;

namespace Scalekit.Webhooks.Stripe;

/// <summary>
/// Which plan and premium features each Stripe price lookup key grants. Read from the <c>BILLING_PLAN_MAP</c> setting:
/// <c>{"pro_monthly": {"plan": "pro", "features": ["sso", "dir_sync"]}}</c>. Every feature named anywhere in the
/// map is managed: switched on for subscriptions whose plan lists it, off for all others.
/// </summary>
public sealed class PlanMap
{
    public const string Setting = "BILLING_PLAN_MAP";

    /// <summary>The organization features Scalekit knows; any other name would be refused by its API.</summary>
    public static IReadOnlyList<string> KnownFeatures { get; } = ["sso", "dir_sync"];

    private readonly Dictionary<string, PlanEntitlement> _plans;

    public PlanMap(IReadOnlyDictionary<string, PlanEntitlement> plans)
    {
        ArgumentNullException.ThrowIfNull(plans);
        _plans = new Dictionary<string, PlanEntitlement>(plans, StringComparer.Ordinal);
        ManagedFeatures = [.. _plans.Values.SelectMany(p => p.Features).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    public static PlanMap Empty { get; } = new(new Dictionary<string, PlanEntitlement>());

    public IReadOnlyList<string> ManagedFeatures { get; }

    /// <summary>The plan for <paramref name="lookupKey"/>; an unmapped key is its own plan name with no features.</summary>
    public PlanEntitlement For(string? lookupKey) =>
        lookupKey is not null && _plans.TryGetValue(lookupKey, out var plan) ? plan : new PlanEntitlement(lookupKey ?? "unknown", []);

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
            var plans = new Dictionary<string, PlanEntitlement>(StringComparer.Ordinal);
            foreach (var entry in document.RootElement.EnumerateObject())
            {
                var plan = entry.Value.GetProperty("plan").GetString() ?? throw new FormatException($"{Setting}: '{entry.Name}' has no plan.");
                var features = entry.Value.TryGetProperty("features", out var list)
                    ? list.EnumerateArray().Select(f => f.GetString() ?? throw new FormatException($"{Setting}: '{entry.Name}' has a non-string feature.")).ToArray()
                    : [];
                if (features.FirstOrDefault(f => !KnownFeatures.Contains(f, StringComparer.Ordinal)) is { } unknown)
                {
                    throw new FormatException($"{Setting}: '{entry.Name}' names the feature '{unknown}', which Scalekit does not know; known features: {string.Join(", ", KnownFeatures)}.");
                }

                plans[entry.Name] = new PlanEntitlement(plan, features);
            }

            return new PlanMap(plans);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            throw new FormatException($"{Setting} is not a JSON object of lookup key → {{\"plan\": string, \"features\": [string]}}: {ex.Message}", ex);
        }
    }
}

/// <summary>A plan name and the features it switches on.</summary>
public sealed record PlanEntitlement(string Plan, IReadOnlyList<string> Features);
