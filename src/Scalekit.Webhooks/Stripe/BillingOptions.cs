using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Stripe.Entitlements;

namespace Scalekit.Webhooks.Stripe;

/// <summary>How billing state is written to Scalekit organization metadata.</summary>
public enum BillingMetadataMode
{
    /// <summary>One key per fact: the integration guide's keys (4 pairs, 6 after a deletion).</summary>
    Keys,

    /// <summary>One key holding every fact in at most 256 characters (see <see cref="BillingState.Compact"/>); the default.</summary>
    Compact,
}

/// <summary>The billing sync's settings; bound and validated at start, every message names its setting.</summary>
public sealed class BillingOptions : IIntegrationSettings
{
    public const string ModeSetting = "BILLING_METADATA_MODE";
    public const string KeysSetting = "BILLING_METADATA_KEYS";
    public const string LateLinkWindowSetting = "BILLING_LATE_LINK_WINDOW_HOURS";
    public const string SyncLeaseSetting = "BILLING_SYNC_LEASE_SECONDS";

    /// <summary><c>compact</c> (default: one pair, so every writer's defaults fit in 8) or <c>keys</c>.</summary>
    [EnumDataType(typeof(BillingMetadataMode), ErrorMessage = ModeSetting + " must be 'keys' or 'compact'.")]
    public BillingMetadataMode Mode { get; set; } = BillingMetadataMode.Compact;

    /// <summary>The metadata key names; defaults are the integration guide's.</summary>
    [Required]
    public BillingMetadataKeys Keys { get; set; } = BillingMetadataKeys.Default;

    /// <summary>How long billing state waits for an organization whose external_id is the customer. Default 72 h.</summary>
    [SettingRange(LateLinkWindowSetting, 0.0001, 8760, TimeUnit.Hours)]
    public TimeSpan LateLinkWindow { get; set; } = TimeSpan.FromHours(72);

    /// <summary>
    /// How long the late-link re-check after each replayer run takes new customers; the next run continues after the
    /// last one reached. Default 30 s: with the replayer's 4-minute budget the timer ends inside the 5-minute
    /// <c>functionTimeout</c>.
    /// </summary>
    public TimeSpan RecheckBudget { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one consumer holds a customer's sync before another may take it over. Default 60 s.</summary>
    [SettingRange(SyncLeaseSetting, 1, 3600, TimeUnit.Seconds)]
    public TimeSpan SyncLease { get; set; } = TimeSpan.FromSeconds(60);

    [Required]
    public PlanMap Plans { get; set; } = PlanMap.Empty;

    /// <summary>Why the billing sync is off because of these settings (naming the setting); null when they are usable.</summary>
    public string? Problem { get; set; }

    /// <summary>
    /// Billing's part of the ownership table: the keys of the configured mode (the other mode's are former keys, removed
    /// on the next write) and the features its active source switches.
    /// </summary>
    public IEnumerable<OwnershipClaim> Claims(BillingFeatureOptions features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var keyed = Mode == BillingMetadataMode.Keys ? FactUse.Written : FactUse.Former;
        foreach (var key in new[] { Keys.Status, Keys.Plan, Keys.PeriodEnd, Keys.UpdatedAt, Keys.BillingStatus, Keys.DeletionDate })
        {
            yield return new OwnershipClaim(FactKind.OrganizationMetadata, key, FactWriter.Billing, KeysSetting, keyed);
        }

        yield return new OwnershipClaim(FactKind.OrganizationMetadata, Keys.Compact, FactWriter.Billing, KeysSetting, Mode == BillingMetadataMode.Compact ? FactUse.Written : FactUse.Former);
        var featureSetting = features.Source == BillingFeatureSource.Entitlements ? BillingFeatureOptions.EntitlementFeaturesSetting : PlanMap.Setting;
        foreach (var feature in features.Managed(Plans))
        {
            yield return new OwnershipClaim(FactKind.Feature, feature, FactWriter.Billing, featureSetting);
        }
    }

    /// <summary>How billing needs fewer metadata pairs (for the budget warning).</summary>
    public string ShrinkHint => Mode == BillingMetadataMode.Keys ? $"{ModeSetting}=keys; compact needs 1" : $"{ModeSetting}=compact";

    internal static void Bind(BillingOptions options, IConfiguration configuration)
    {
        var mode = configuration[ModeSetting]?.Trim();
        if (!string.IsNullOrEmpty(mode))
        {
            options.Mode = Enum.TryParse<BillingMetadataMode>(mode, ignoreCase: true, out var parsed) && !int.TryParse(mode, out _)
                ? parsed
                : throw SettingValue.Invalid(ModeSetting, "must be 'keys' or 'compact'");
        }

        options.Keys = Read(() => BillingMetadataKeys.Parse(configuration[KeysSetting]), KeysSetting);
        options.Plans = Read(() => PlanMap.Parse(configuration[PlanMap.Setting]), PlanMap.Setting);
        options.LateLinkWindow = SettingValue.Duration(configuration, LateLinkWindowSetting, options.LateLinkWindow, TimeUnit.Hours);
        options.SyncLease = SettingValue.Duration(configuration, SyncLeaseSetting, options.SyncLease, TimeUnit.Seconds);
    }

    // The parsers' messages name the setting and the part that is wrong.
    private static T Read<T>(Func<T> parse, string setting)
    {
        try
        {
            return parse();
        }
        catch (FormatException ex)
        {
            throw new OptionsValidationException(setting, typeof(BillingOptions), [ex.Message]);
        }
    }
}

[OptionsValidator]
internal sealed partial class BillingOptionsValidator : IValidateOptions<BillingOptions>;

/// <summary>
/// The organization metadata keys billing owns. <c>BILLING_METADATA_KEYS</c> renames them:
/// <c>plan_type=plan,last_billing_update=billing_updated</c> (default name = new name, comma separated).
/// </summary>
public sealed record BillingMetadataKeys(string Status, string Plan, string PeriodEnd, string UpdatedAt, string BillingStatus, string DeletionDate, string Compact)
{
    public static BillingMetadataKeys Default { get; } = new(
        "subscription_status", "plan_type",
        // "subscription_current_period_end" (31 characters) would break Scalekit's 25-character key limit.
        "subscription_period_end",
        "last_billing_update", "billing_status", "deletion_date", "billing");

    /// <summary>Every key billing may write in either mode, so switching modes also removes the other mode's keys.</summary>
    public IReadOnlyList<string> All => [Status, Plan, PeriodEnd, UpdatedAt, BillingStatus, DeletionDate, Compact];

    public static BillingMetadataKeys Parse(string? setting)
    {
        var keys = Default;
        if (string.IsNullOrWhiteSpace(setting))
        {
            return keys;
        }

        foreach (var part in setting.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            var name = pair.Length == 2 ? pair[1] : string.Empty;
            if (name.Length is < MetadataBudget.MinKeyLength or > MetadataBudget.MaxKeyLength)
            {
                throw new FormatException($"{BillingOptions.KeysSetting}: '{part}' must be default=name with a name of {MetadataBudget.MinKeyLength} to {MetadataBudget.MaxKeyLength} characters.");
            }

            keys = pair[0] switch
            {
                "subscription_status" => keys with { Status = name },
                "plan_type" => keys with { Plan = name },
                "subscription_period_end" => keys with { PeriodEnd = name },
                "last_billing_update" => keys with { UpdatedAt = name },
                "billing_status" => keys with { BillingStatus = name },
                "deletion_date" => keys with { DeletionDate = name },
                "billing" => keys with { Compact = name },
                _ => throw new FormatException($"{BillingOptions.KeysSetting}: unknown key '{pair[0]}'; known: {string.Join(", ", Default.All)}."),
            };
        }

        if (keys.All.Distinct(StringComparer.Ordinal).Count() != keys.All.Count)
        {
            throw new FormatException($"{BillingOptions.KeysSetting}: two billing keys have the same name ({string.Join(", ", keys.All)}).");
        }

        return keys;
    }
}
