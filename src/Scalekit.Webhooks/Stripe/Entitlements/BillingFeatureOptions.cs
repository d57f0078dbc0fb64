using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Scalekit.Webhooks.Stripe.Entitlements;

/// <summary>Where the Scalekit features of a customer's organization come from.</summary>
public enum BillingFeatureSource
{
    /// <summary>The subscription items' prices, through <c>BILLING_PLAN_MAP</c> (the default).</summary>
    PlanMap,

    /// <summary>Stripe Entitlements: the customer's active entitlement summary, through <c>STRIPE_ENTITLEMENT_FEATURES</c>.</summary>
    Entitlements,
}

/// <summary>
/// Which source switches the organization's features. Read at start; a broken value never stops start-up: billing
/// then switches no features (metadata is still written) and <see cref="Problem"/> names the setting, in the start-up
/// log and the billing health.
/// </summary>
public sealed class BillingFeatureOptions
{
    public const string SourceSetting = "BILLING_FEATURE_SOURCE";
    public const string EntitlementFeaturesSetting = "STRIPE_ENTITLEMENT_FEATURES";

    /// <summary>Stripe's longest feature lookup key.</summary>
    public const int MaxLookupKeyLength = 80;

    /// <summary><c>plan-map</c> (default) or <c>entitlements</c>; null when the setting is not one of them.</summary>
    public BillingFeatureSource? Source { get; set; } = BillingFeatureSource.PlanMap;

    /// <summary>Stripe feature lookup key → Scalekit feature, e.g. <c>{"sso-access":"sso","directory-sync":"dir_sync"}</c>.</summary>
    public IReadOnlyDictionary<string, string> EntitlementFeatures { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Why a setting of the feature source is broken, naming it; null when both are usable.</summary>
    public string? Problem { get; set; }

    /// <summary>Whether the entitlement summaries switch the features.</summary>
    public bool UsesEntitlements => Source == BillingFeatureSource.Entitlements && Problem is null;

    /// <summary>The features billing switches: every feature the active source names; none while its settings are broken.</summary>
    public IReadOnlyList<string> Managed(PlanMap plans)
    {
        ArgumentNullException.ThrowIfNull(plans);
        return Source switch
        {
            BillingFeatureSource.PlanMap => plans.ManagedFeatures,
            BillingFeatureSource.Entitlements when Problem is null => [.. EntitlementFeatures.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            _ => [],
        };
    }

    /// <summary>The Scalekit features that the Stripe features <paramref name="lookupKeys"/> grant; unmapped ones grant nothing.</summary>
    public IReadOnlyList<string> FeaturesFor(IEnumerable<string> lookupKeys)
    {
        ArgumentNullException.ThrowIfNull(lookupKeys);
        return [.. lookupKeys.Select(k => EntitlementFeatures.TryGetValue(k, out var feature) ? feature : null).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    internal static void Bind(BillingFeatureOptions options, IConfiguration configuration)
    {
        var source = configuration[SourceSetting]?.Trim();
        options.Source = string.IsNullOrEmpty(source) || string.Equals(source, "plan-map", StringComparison.OrdinalIgnoreCase) ? BillingFeatureSource.PlanMap
            : string.Equals(source, "entitlements", StringComparison.OrdinalIgnoreCase) ? BillingFeatureSource.Entitlements
            : null;
        string? problem = options.Source is null ? $"{SourceSetting} must be 'plan-map' or 'entitlements'; billing switches no features until it is fixed." : null;
        try
        {
            options.EntitlementFeatures = ParseMap(configuration[EntitlementFeaturesSetting]);
            if (problem is null && options.Source == BillingFeatureSource.Entitlements && options.EntitlementFeatures.Count == 0)
            {
                problem = $"{SourceSetting}=entitlements needs {EntitlementFeaturesSetting} (a JSON object of Stripe feature lookup key → Scalekit feature); billing switches no features until it is set.";
            }
        }
        catch (FormatException ex)
        {
            problem ??= options.Source == BillingFeatureSource.Entitlements ? ex.Message + " Billing switches no features until it is fixed." : ex.Message + " It is not used while " + SourceSetting + " is plan-map.";
        }

        options.Problem = problem;
    }

    /// <summary>Parses <c>STRIPE_ENTITLEMENT_FEATURES</c>; throws <see cref="FormatException"/> naming the setting.</summary>
    public static IReadOnlyDictionary<string, string> ParseMap(string? json)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(json))
        {
            return map;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"{EntitlementFeaturesSetting} must be a JSON object of Stripe feature lookup key → Scalekit feature.");
            }

            foreach (var entry in document.RootElement.EnumerateObject())
            {
                if (entry.Name.Length is 0 or > MaxLookupKeyLength)
                {
                    throw new FormatException($"{EntitlementFeaturesSetting}: a Stripe feature lookup key must be 1 to {MaxLookupKeyLength} characters.");
                }

                var feature = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString()! : null;
                if (feature is null || !PlanMap.KnownFeatures.Contains(feature, StringComparer.Ordinal))
                {
                    throw new FormatException($"{EntitlementFeaturesSetting}: '{entry.Name}' must map to a feature Scalekit knows: {string.Join(", ", PlanMap.KnownFeatures)}.");
                }

                map[entry.Name] = feature;
            }

            return map;
        }
        catch (JsonException)
        {
            throw new FormatException($"{EntitlementFeaturesSetting} is not JSON: it must be an object of Stripe feature lookup key → Scalekit feature.");
        }
    }
}
