using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Billing;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Scalekit;

namespace Scalekit.Webhooks.Crm;

/// <summary>
/// What the CRM sync moves and when. Each synced field flows one way only: Salesforce owns the account and contact
/// fields read into Scalekit metadata, Scalekit owns the account fields it writes back. A Salesforce field configured
/// in both directions stops start-up.
/// </summary>
public sealed partial class CrmOptions
{
    public const string ScheduleSetting = "CRM_SYNC_SCHEDULE";
    public const string AccountFieldsSetting = "CRM_ACCOUNT_FIELDS";
    public const string ContactFieldsSetting = "CRM_CONTACT_FIELDS";
    public const string EnterpriseFeaturesSetting = "CRM_ENTERPRISE_FEATURES";
    public const string PushFieldsSetting = "CRM_ACCOUNT_PUSH_FIELDS";

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
    public string Schedule { get; set; } = "0 */15 * * * *";

    public IReadOnlyDictionary<string, string> AccountFields { get; set; } = DefaultAccountFields;

    public IReadOnlyDictionary<string, string> ContactFields { get; set; } = DefaultContactFields;

    /// <summary>Features switched on for accounts whose <c>Type</c> is <c>Enterprise</c>. Default none.</summary>
    public IReadOnlyList<string> EnterpriseFeatures { get; set; } = [];

    public IReadOnlyDictionary<string, string> PushFields { get; set; } = DefaultPushFields;

    /// <summary>Organization metadata keys the CRM sync writes (and so owns).</summary>
    public IReadOnlyCollection<string> OwnedAccountKeys => [.. AccountFields.Values, AccountSyncKey];

    public IReadOnlyCollection<string> OwnedContactKeys => [.. ContactFields.Values, ContactSyncKey];

    internal List<string> BindErrors { get; } = [];

    internal static void Bind(CrmOptions options, IConfiguration configuration)
    {
        options.BindErrors.Clear();
        options.Schedule = SettingValue.Cron(configuration, ScheduleSetting, options.Schedule);
        options.AccountFields = Map(configuration, AccountFieldsSetting, DefaultAccountFields, options.BindErrors, keyIsSalesforceField: true);
        options.ContactFields = Map(configuration, ContactFieldsSetting, DefaultContactFields, options.BindErrors, keyIsSalesforceField: true);
        options.PushFields = Map(configuration, PushFieldsSetting, DefaultPushFields, options.BindErrors, keyIsSalesforceField: false);
        if (configuration[EnterpriseFeaturesSetting] is { } features && !string.IsNullOrWhiteSpace(features))
        {
            options.EnterpriseFeatures = [.. features.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal)];
            if (options.EnterpriseFeatures.FirstOrDefault(f => !PlanMap.KnownFeatures.Contains(f, StringComparer.Ordinal)) is { } unknown)
            {
                options.BindErrors.Add($"{EnterpriseFeaturesSetting} names the feature '{unknown}', which Scalekit does not know; known features: {string.Join(", ", PlanMap.KnownFeatures)}.");
            }
        }

        options.BindErrors.AddRange(options.OwnershipConflicts());
    }

    /// <summary>Fields configured in both directions, and keys two writers would claim; empty when every field has one owner.</summary>
    internal IEnumerable<string> OwnershipConflicts()
    {
        var written = PushFields.Values.ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var field in AccountFields.Keys.Where(written.Contains))
        {
            yield return $"The Salesforce field '{field}' is read by {AccountFieldsSetting} and written by {PushFieldsSetting}: each field flows one way only; remove it from one of them.";
        }

        foreach (var key in AccountFields.Values.Where(k => k is AccountIdKey or AccountSyncKey))
        {
            yield return $"{AccountFieldsSetting} maps a field to '{key}', a key Scalekit or the CRM sync itself owns; pick another metadata key.";
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

    /// <summary>The key billing and the CRM sync would both write, if any (checked against the billing settings at start).</summary>
    internal string? SharedKeyWith(BillingOptions billing) =>
        OwnedAccountKeys.FirstOrDefault(key => billing.Keys.All.Contains(key, StringComparer.Ordinal)) is { } shared
            ? $"The organization metadata key '{shared}' is written by both {AccountFieldsSetting} and billing ({BillingOptions.KeysSetting}): each key has one owner; rename it in one of them."
            : null;

    private static Dictionary<string, string> Map(IConfiguration configuration, string setting, IReadOnlyDictionary<string, string> fallback, List<string> errors, bool keyIsSalesforceField)
    {
        var value = configuration[setting];
        if (string.IsNullOrWhiteSpace(value))
        {
            return new Dictionary<string, string>(fallback, StringComparer.Ordinal);
        }

        Dictionary<string, string>? map;
        try
        {
            map = JsonSerializer.Deserialize<Dictionary<string, string>>(value);
        }
        catch (JsonException)
        {
            map = null;
        }

        if (map is null)
        {
            errors.Add($"{setting} must be a JSON object of strings, e.g. {JsonSerializer.Serialize(fallback)}.");
            return new Dictionary<string, string>(fallback, StringComparer.Ordinal);
        }

        foreach (var (key, target) in map)
        {
            var (field, name) = keyIsSalesforceField ? (key, target) : (target, key);
            if (!FieldPattern().IsMatch(field))
            {
                errors.Add($"{setting}: '{field}' is not a Salesforce field name (Field, Custom_Field__c or Parent.Field).");
            }

            if (keyIsSalesforceField && name.Length is < MetadataBudget.MinKeyLength or > MetadataBudget.MaxKeyLength)
            {
                errors.Add($"{setting}: the metadata key '{name}' must have {MetadataBudget.MinKeyLength} to {MetadataBudget.MaxKeyLength} characters.");
            }

            if (!keyIsSalesforceField && !fallback.ContainsKey(name))
            {
                errors.Add($"{setting}: unknown fact '{name}'; known: {string.Join(", ", fallback.Keys)}.");
            }
        }

        return new Dictionary<string, string>(map, StringComparer.Ordinal);
    }

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$")]
    private static partial Regex FieldPattern();
}

internal sealed class CrmOptionsValidator(IOptions<BillingOptions> billing) : IValidateOptions<CrmOptions>
{
    public ValidateOptionsResult Validate(string? name, CrmOptions options)
    {
        var errors = options.BindErrors.ToList();
        if (ValidBilling() is { } billingOptions && options.SharedKeyWith(billingOptions) is { } shared)
        {
            errors.Add(shared);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    // Invalid billing settings report themselves once; key ownership is checked when they are valid.
    private BillingOptions? ValidBilling()
    {
        try
        {
            return billing.Value;
        }
        catch (OptionsValidationException)
        {
            return null;
        }
    }
}
