using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Crm;

/// <summary>
/// What the CRM sync moves and when. Each synced field flows one way only: Salesforce owns the account and contact
/// fields read into Scalekit metadata, Scalekit owns the account fields it writes back. A Salesforce field configured
/// in both directions stops start-up.
/// </summary>
public sealed partial class CrmOptions : IIntegrationSettings
{
    public const string ScheduleSetting = "CRM_SYNC_SCHEDULE";
    public const string AccountFieldsSetting = "CRM_ACCOUNT_FIELDS";
    public const string ContactFieldsSetting = "CRM_CONTACT_FIELDS";
    public const string EnterpriseFeaturesSetting = "CRM_ENTERPRISE_FEATURES";
    public const string PushFieldsSetting = "CRM_ACCOUNT_PUSH_FIELDS";
    public const string MetadataModeSetting = "CRM_METADATA_MODE";

    /// <summary>The organization metadata key that holds every account fact in compact mode.</summary>
    public const string CompactKey = "crm";

    /// <summary>Organization metadata key that links an organization to its Salesforce account (Scalekit-owned).</summary>
    public const string AccountIdKey = "salesforce_account_id";

    /// <summary>Organization metadata key with the time the CRM sync last changed the organization.</summary>
    public const string AccountSyncKey = "last_crm_sync";

    /// <summary>User metadata key with the time the CRM sync last changed the user.</summary>
    public const string ContactSyncKey = "last_crm_contact_sync";

    /// <summary>The Scalekit facts written back to the account (keys of <see cref="PushFieldsSetting"/>).</summary>
    public const string ActiveUsers = "active_users";
    public const string SubscriptionStatus = "subscription_status";
    public const string LastLogin = "last_login";

    /// <summary>Account field (Owner.Name for a parent's field) → organization metadata key.</summary>
    public static IReadOnlyDictionary<string, string> DefaultAccountFields { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Industry"] = "industry",
        ["AnnualRevenue"] = "annual_revenue",
        ["Owner.Name"] = "account_owner",
        ["Type"] = "account_type",
        ["NumberOfEmployees"] = "company_size",
    };

    /// <summary>Contact field → user metadata key.</summary>
    public static IReadOnlyDictionary<string, string> DefaultContactFields { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Id"] = "salesforce_contact_id",
        ["Title"] = "job_title",
        ["Department"] = "department",
        ["MailingState"] = "territory",
    };

    /// <summary>Scalekit fact → account custom field it is written to.</summary>
    public static IReadOnlyDictionary<string, string> DefaultPushFields { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [ActiveUsers] = "Active_Users__c",
        [SubscriptionStatus] = "Subscription_Status__c",
        [LastLogin] = "Last_Login_Date__c",
    };

    /// <summary>Six-field cron of the Salesforce → Scalekit run. Default every 15 minutes.</summary>
    [Required]
    public string Schedule { get; set; } = "0 */15 * * * *";

    /// <summary>
    /// How long one scheduled run takes new records; it then stops and the next run continues after the last record
    /// done. Default 4 minutes, under the 5-minute <c>functionTimeout</c> in host.json.
    /// </summary>
    public TimeSpan RunBudget { get; set; } = TimeSpan.FromMinutes(4);

    [Required]
    public IReadOnlyDictionary<string, string> AccountFields { get; set; } = DefaultAccountFields;

    [Required]
    public IReadOnlyDictionary<string, string> ContactFields { get; set; } = DefaultContactFields;

    /// <summary>
    /// Features the CRM sync owns: on while the account's <c>Type</c> is <c>Enterprise</c>, off when it is not. Written
    /// <c>sso,dir_sync</c> or <c>["sso","dir_sync"]</c>. A feature billing also gives is billing's (the ownership
    /// table, <see cref="Ownership"/>). Default none.
    /// </summary>
    [Required]
    public IReadOnlyList<string> EnterpriseFeatures { get; set; } = [];

    [Required]
    public IReadOnlyDictionary<string, string> PushFields { get; set; } = DefaultPushFields;

    /// <summary>Why the CRM sync is off because of these settings (naming the setting); null when they are usable.</summary>
    public string? Problem { get; set; }

    /// <summary>
    /// <c>compact</c> (default): the account facts in one key, <see cref="CompactKey"/>; <c>keys</c>: one key per
    /// mapped field plus <see cref="AccountSyncKey"/>.
    /// </summary>
    public CrmMetadataMode MetadataMode { get; set; } = CrmMetadataMode.Compact;

    public IReadOnlyCollection<string> OwnedContactKeys => [.. ContactFields.Values, ContactSyncKey];

    internal static void Bind(CrmOptions options, IConfiguration configuration)
    {
        options.Schedule = SettingValue.Cron(configuration, ScheduleSetting, options.Schedule);
        options.AccountFields = Map(configuration, AccountFieldsSetting, options.AccountFields);
        options.ContactFields = Map(configuration, ContactFieldsSetting, options.ContactFields);
        options.PushFields = Map(configuration, PushFieldsSetting, options.PushFields);
        options.EnterpriseFeatures = SettingValue.List(configuration, EnterpriseFeaturesSetting) ?? options.EnterpriseFeatures;
        var mode = configuration[MetadataModeSetting]?.Trim();
        if (!string.IsNullOrEmpty(mode))
        {
            options.MetadataMode = Enum.TryParse<CrmMetadataMode>(mode, ignoreCase: true, out var parsed) && !int.TryParse(mode, out _)
                ? parsed
                : throw SettingValue.Invalid(MetadataModeSetting, "must be 'compact' or 'keys'");
        }
    }

    /// <summary>Field names Salesforce would refuse, metadata keys Scalekit would refuse, and unknown facts or features.</summary>
    internal IEnumerable<string> UnusableEntries()
    {
        foreach (var (setting, field, key) in AccountFields.Select(p => (AccountFieldsSetting, p.Key, p.Value)).Concat(ContactFields.Select(p => (ContactFieldsSetting, p.Key, p.Value))))
        {
            if (!FieldPattern().IsMatch(field))
            {
                yield return NotAField(setting, field);
            }

            if (key.Length is < MetadataBudget.MinKeyLength or > MetadataBudget.MaxKeyLength)
            {
                yield return $"{setting}: the metadata key '{key}' must have {MetadataBudget.MinKeyLength} to {MetadataBudget.MaxKeyLength} characters.";
            }
        }

        foreach (var (fact, field) in PushFields)
        {
            if (!FieldPattern().IsMatch(field))
            {
                yield return NotAField(PushFieldsSetting, field);
            }

            if (!DefaultPushFields.ContainsKey(fact))
            {
                yield return $"{PushFieldsSetting}: unknown fact '{fact}'; known: {string.Join(", ", DefaultPushFields.Keys)}.";
            }
        }

        if (EnterpriseFeatures.FirstOrDefault(f => !PlanMap.KnownFeatures.Contains(f, StringComparer.Ordinal)) is { } unknown)
        {
            yield return $"{EnterpriseFeaturesSetting} names the feature '{unknown}', which Scalekit does not know; known features: {string.Join(", ", PlanMap.KnownFeatures)}.";
        }
    }

    private static string NotAField(string setting, string field) =>
        $"{setting}: '{field}' is not a Salesforce field name (Field, Custom_Field__c or Parent.Field).";

    /// <summary>Fields configured in both directions, and keys two writers would claim; empty when every field has one owner.</summary>
    internal IEnumerable<string> OwnershipConflicts()
    {
        var written = PushFields.Values.ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var field in AccountFields.Keys.Where(written.Contains))
        {
            yield return $"The Salesforce field '{field}' is read by {AccountFieldsSetting} and written by {PushFieldsSetting}: each field flows one way only; remove it from one of them.";
        }

        foreach (var key in AccountFields.Values.Where(k => k is AccountSyncKey or CompactKey))
        {
            yield return $"{AccountFieldsSetting} maps a field to '{key}', a key the CRM sync itself owns; pick another metadata key.";
        }

        if (MetadataMode == CrmMetadataMode.Compact && AccountFields.Values.Contains(CrmAccountMetadata.SyncedName, StringComparer.Ordinal))
        {
            yield return $"{AccountFieldsSetting} maps a field to '{CrmAccountMetadata.SyncedName}', which {MetadataModeSetting}=compact uses for the sync time; pick another metadata key.";
        }

        foreach (var key in ContactFields.Values.Where(k => k == ContactSyncKey))
        {
            yield return $"{ContactFieldsSetting} maps a field to '{key}', a key the CRM sync itself owns; pick another metadata key.";
        }

        foreach (var key in AccountFields.Values.GroupBy(k => k, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key))
        {
            yield return $"{AccountFieldsSetting} maps two fields to the metadata key '{key}'.";
        }

        foreach (var key in ContactFields.Values.GroupBy(k => k, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key))
        {
            yield return $"{ContactFieldsSetting} maps two fields to the metadata key '{key}'.";
        }
    }

    /// <summary>
    /// The CRM sync's part of the ownership table: the organization metadata keys of the configured layout (the other
    /// layout's are former keys, removed on the next write), its enterprise features and the Salesforce fields it writes.
    /// </summary>
    public IEnumerable<OwnershipClaim> Claims()
    {
        var keyed = MetadataMode == CrmMetadataMode.Keys ? FactUse.Written : FactUse.Former;
        foreach (var key in AccountFields.Values.Distinct(StringComparer.Ordinal))
        {
            yield return new OwnershipClaim(FactKind.OrganizationMetadata, key, FactWriter.Crm, AccountFieldsSetting, keyed);
        }

        yield return new OwnershipClaim(FactKind.OrganizationMetadata, AccountSyncKey, FactWriter.Crm, MetadataModeSetting, keyed);
        yield return new OwnershipClaim(FactKind.OrganizationMetadata, CompactKey, FactWriter.Crm, MetadataModeSetting, MetadataMode == CrmMetadataMode.Compact ? FactUse.Written : FactUse.Former);
        foreach (var feature in EnterpriseFeatures)
        {
            yield return new OwnershipClaim(FactKind.Feature, feature, FactWriter.Crm, EnterpriseFeaturesSetting);
        }

        foreach (var field in PushFields.Values)
        {
            yield return new OwnershipClaim(FactKind.SalesforceField, field, FactWriter.Crm, PushFieldsSetting);
        }
    }

    /// <summary>How the CRM sync needs fewer metadata pairs (for the budget warning).</summary>
    public string ShrinkHint => MetadataMode == CrmMetadataMode.Keys
        ? $"{MetadataModeSetting}=keys with {AccountFieldsSetting} and {AccountSyncKey}; compact needs 1"
        : $"{MetadataModeSetting}=compact";

    private static IReadOnlyDictionary<string, string> Map(IConfiguration configuration, string setting, IReadOnlyDictionary<string, string> fallback)
    {
        var value = configuration[setting];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string?>>(value) is { } map && map.Values.All(name => name is not null)
                ? map.ToDictionary(pair => pair.Key, pair => pair.Value!, StringComparer.Ordinal)
                : throw new JsonException();
        }
        catch (JsonException)
        {
            throw SettingValue.Invalid(setting, $"must be a JSON object of strings, e.g. {JsonSerializer.Serialize(fallback)}");
        }
    }

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$")]
    private static partial Regex FieldPattern();
}

[OptionsValidator]
internal sealed partial class CrmOptionsValidator : IValidateOptions<CrmOptions>;

/// <summary>
/// The rules the annotations cannot say: every entry of the field maps usable, each Salesforce field flowing one way,
/// no mapped key the CRM sync's own. A broken rule turns the CRM sync off (<see cref="CrmOptions.Problem"/>), never
/// the app. Items another writer claims too are settled by the ownership table (<see cref="Ownership"/>).
/// </summary>
internal static class CrmFieldOwnership
{
    public static void Check(CrmOptions options)
    {
        if (options.Problem is not null)
        {
            return;
        }

        var errors = options.UnusableEntries().Concat(options.OwnershipConflicts()).ToList();
        options.Problem = errors.Count == 0 ? null : string.Join(" ", errors);
    }
}

/// <summary>How the CRM sync writes account facts to organization metadata.</summary>
public enum CrmMetadataMode
{
    /// <summary>One key holding every account fact and the sync time (see <see cref="CrmAccountMetadata"/>).</summary>
    Compact,

    /// <summary>One key per mapped field, plus <c>last_crm_sync</c>.</summary>
    Keys,
}
