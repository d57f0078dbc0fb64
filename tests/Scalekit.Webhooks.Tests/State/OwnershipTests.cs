using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Onboarding;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Tests.State;

public class OwnershipTests
{
    private static readonly Dictionary<string, string?> Salesforce = new()
    {
        ["SALESFORCE_INSTANCE_URL"] = "https://acme.my.salesforce.com",
        ["SALESFORCE_CLIENT_ID"] = "id",
        ["SALESFORCE_CLIENT_SECRET"] = "secret",
    };

    [Fact]
    public void Defaults_NeedAtMost8Pairs_OneKeyPerWriterAndTheAccountLink_WithoutConflictsOrWarning()
    {
        var table = Resolve([]);

        Assert.Equal(new Dictionary<FactWriter, int> { [FactWriter.Onboarding] = 2, [FactWriter.Billing] = 1, [FactWriter.Crm] = 1 }, table.WorstCasePairs());
        Assert.True(table.WorstCasePairs().Values.Sum() <= 8);
        Assert.Empty(table.Conflicts);
        Assert.Null(table.BudgetWarning(Ownership.WarnAbovePairs));
        Assert.Equal(FactWriter.Billing, table.WriterOf(FactKind.OrganizationMetadata, "billing"));
        Assert.Equal(FactWriter.Crm, table.WriterOf(FactKind.OrganizationMetadata, "crm"));
        Assert.Equal(FactWriter.Onboarding, table.WriterOf(FactKind.OrganizationMetadata, "onboarding"));
        Assert.Equal(FactWriter.Customer, table.WriterOf(FactKind.OrganizationMetadata, "cost_center"));
    }

    [Fact]
    public void OlderLayoutKeys_StayTheirWritersToRemove_AndTheAccountLinkIsNeverRemoved()
    {
        var table = Resolve([]);

        Assert.Superset(new HashSet<string> { "subscription_status", "plan_type", "last_billing_update", "billing" }, table.RemovableKeys(FactWriter.Billing).ToHashSet());
        Assert.Superset(new HashSet<string> { "industry", "account_type", "last_crm_sync", "crm" }, table.RemovableKeys(FactWriter.Crm).ToHashSet());
        Assert.Superset(new HashSet<string> { "onboarding", "onboarding_status", "stripe_customer_id" }, table.RemovableKeys(FactWriter.Onboarding).ToHashSet());
        Assert.DoesNotContain(CrmOptions.AccountIdKey, table.RemovableKeys(FactWriter.Onboarding));
        Assert.True(table.Owns(FactWriter.Onboarding, FactKind.OrganizationMetadata, CrmOptions.AccountIdKey));
    }

    [Fact]
    public void FeatureGivenByBillingAndTheCrm_IsBillings_AndTheConflictNamesBothSettings()
    {
        var table = Resolve(new()
        {
            ["BILLING_PLAN_MAP"] = """{"price_ent":{"plan":"enterprise","features":["sso"]}}""",
            ["CRM_ENTERPRISE_FEATURES"] = "sso,dir_sync",
        });

        Assert.True(table.Owns(FactWriter.Billing, FactKind.Feature, "sso"));
        Assert.True(table.Owns(FactWriter.Crm, FactKind.Feature, "dir_sync"));
        var conflict = Assert.Single(table.ProblemsOf(FactWriter.Crm));
        Assert.Contains("'sso'", conflict, StringComparison.Ordinal);
        Assert.Contains("BILLING_PLAN_MAP (billing)", conflict, StringComparison.Ordinal);
        Assert.Contains("CRM_ENTERPRISE_FEATURES (the CRM sync)", conflict, StringComparison.Ordinal);
        Assert.Contains("billing owns it", conflict, StringComparison.Ordinal);
        Assert.Empty(table.ProblemsOf(FactWriter.Billing));
    }

    [Fact]
    public void FeatureFromStripeEntitlements_NamesThatSetting()
    {
        var table = Resolve(new()
        {
            ["BILLING_FEATURE_SOURCE"] = "entitlements",
            ["STRIPE_ENTITLEMENT_FEATURES"] = """{"sso-access":"sso"}""",
            ["CRM_ENTERPRISE_FEATURES"] = "sso",
        });

        Assert.Contains("STRIPE_ENTITLEMENT_FEATURES (billing) and CRM_ENTERPRISE_FEATURES", Assert.Single(table.ProblemsOf(FactWriter.Crm)), StringComparison.Ordinal);
    }

    [Fact]
    public void KeyWrittenByBillingAndTheCrm_IsBillings_AndTheConflictNamesBothSettings()
    {
        var table = Resolve(new() { ["CRM_METADATA_MODE"] = "keys", ["CRM_ACCOUNT_FIELDS"] = """{"Industry": "plan_type", "Type": "account_type"}""" });

        Assert.True(table.Owns(FactWriter.Billing, FactKind.OrganizationMetadata, "plan_type"));
        Assert.True(table.Owns(FactWriter.Crm, FactKind.OrganizationMetadata, "account_type"));
        var conflict = Assert.Single(table.ProblemsOf(FactWriter.Crm));
        Assert.Contains("'plan_type'", conflict, StringComparison.Ordinal);
        Assert.Contains("BILLING_METADATA_KEYS", conflict, StringComparison.Ordinal);
        Assert.Contains("CRM_ACCOUNT_FIELDS", conflict, StringComparison.Ordinal);
    }

    [Fact]
    public void OnboardingsFixedFacts_AreClaimedFirst_TheCrmLosesTheAccountLinkAndItsSalesforceFields()
    {
        var table = Resolve(new()
        {
            ["CRM_ACCOUNT_FIELDS"] = """{"Industry": "salesforce_account_id", "Type": "account_type"}""",
            ["CRM_ACCOUNT_PUSH_FIELDS"] = """{"active_users": "Scalekit_Organization_ID__c"}""",
        });

        Assert.True(table.Owns(FactWriter.Onboarding, FactKind.OrganizationMetadata, CrmOptions.AccountIdKey));
        Assert.True(table.Owns(FactWriter.Onboarding, FactKind.SalesforceField, OnboardingSteps.OrganizationIdField));
        Assert.Equal(2, table.ProblemsOf(FactWriter.Crm).Count);
        Assert.All(table.ProblemsOf(FactWriter.Crm), p => Assert.Contains("onboarding's built-in keys (onboarding)", p, StringComparison.Ordinal));
    }

    [Fact]
    public void BillingKeyRenamedOntoOnboardingsMark_IsOnboardings_AndBillingIsToldSo()
    {
        var table = Resolve(new() { ["BILLING_METADATA_KEYS"] = "billing=onboarding" });

        Assert.True(table.Owns(FactWriter.Onboarding, FactKind.OrganizationMetadata, "onboarding"));
        Assert.Contains("BILLING_METADATA_KEYS (billing)", Assert.Single(table.ProblemsOf(FactWriter.Billing)), StringComparison.Ordinal);
    }

    [Fact]
    public void KeysModes_WorstCaseAbove10_WarnsNamingTheSettingsThatCauseIt()
    {
        var warning = Resolve(new() { ["BILLING_METADATA_MODE"] = "keys", ["CRM_METADATA_MODE"] = "keys" }).BudgetWarning(Ownership.WarnAbovePairs);

        Assert.NotNull(warning);
        Assert.Contains("may need 14 pairs", warning, StringComparison.Ordinal);
        Assert.Contains("billing 6 (BILLING_METADATA_MODE=keys", warning, StringComparison.Ordinal);
        Assert.Contains("the CRM sync 6 (CRM_METADATA_MODE=keys with CRM_ACCOUNT_FIELDS", warning, StringComparison.Ordinal);
        Assert.Contains("onboarding 2", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void OneWriterInKeysMode_StaysWithin10_WithoutAWarning()
    {
        var table = Resolve(new() { ["BILLING_METADATA_MODE"] = "keys" });

        Assert.Equal(9, table.WorstCasePairs().Values.Sum());
        Assert.Null(table.BudgetWarning(Ownership.WarnAbovePairs));
    }

    [Fact]
    public void ABrokenCrm_ClaimsNothing()
    {
        var table = Resolve(new() { ["CRM_METADATA_MODE"] = "verbose", ["CRM_ENTERPRISE_FEATURES"] = "sso" });

        Assert.Equal(FactWriter.Customer, table.WriterOf(FactKind.OrganizationMetadata, "crm"));
        Assert.Equal(FactWriter.Customer, table.WriterOf(FactKind.Feature, "sso"));
    }

    [Fact]
    public void EveryWritersLayout_WritesOnlyKeysOfItsPartOfTheTable()
    {
        foreach (var (billingMode, crmMode) in new[] { ("compact", "compact"), ("keys", "keys") })
        {
            var table = Resolve(new() { ["BILLING_METADATA_MODE"] = billingMode, ["CRM_METADATA_MODE"] = crmMode });
            var billing = new BillingOptions { Mode = billingMode == "keys" ? BillingMetadataMode.Keys : BillingMetadataMode.Compact };
            var deleted = new BillingState("sub_1", "canceled", "pro", DateTimeOffset.UnixEpoch, [], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
            Assert.All(deleted.Metadata(billing).Keys, key => Assert.True(table.Owns(FactWriter.Billing, FactKind.OrganizationMetadata, key), key));

            var facts = CrmOptions.DefaultAccountFields.Values.ToDictionary(key => key, _ => "x");
            var crm = CrmAccountMetadata.Layout(crmMode == "keys" ? CrmMetadataMode.Keys : CrmMetadataMode.Compact, facts, "2026-12-07T10:00:00Z");
            Assert.All(crm.Keys, key => Assert.True(table.Owns(FactWriter.Crm, FactKind.OrganizationMetadata, key), key));
        }
    }

    [Fact]
    public void Readme_HoldsTheTableOfTheDefaults()
    {
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));

        var missing = ReadmeRows(Resolve([])).Where(row => !readme.Contains(row, StringComparison.Ordinal)).ToList();

        Assert.True(missing.Count == 0, "README.md's ownership table differs from the code; these rows are missing:\n" + string.Join('\n', missing));
    }

    /// <summary>One README row per fact of the default configuration (the table the README shows).</summary>
    internal static IEnumerable<string> ReadmeRows(Ownership table) => table.Facts.Select(f =>
        $"| `{f.Name}` | {OwnershipConflict.Describe(f.Kind)} | {OwnershipConflict.Name(f.Writer)} | {Use(f.Use)} |");

    private static string Use(FactUse use) => use switch
    {
        FactUse.Written => "written",
        FactUse.SetOnly => "set, never removed",
        _ => "other mode or earlier version: removed on the next write",
    };

    private static Ownership Resolve(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Salesforce.Concat(settings)).Build();
        using var provider = new ServiceCollection().AddLogging().AddScalekitWebhooks(configuration).BuildServiceProvider();
        return provider.GetRequiredService<Ownership>();
    }
}
