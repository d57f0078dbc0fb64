using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.Hosting;

namespace Scalekit.Webhooks.Tests.Crm;

public class CrmOptionsTests
{
    [Fact]
    public void Settings_Absent_UseTheIntegrationGuidesFields()
    {
        var options = Resolve([]);

        Assert.Equal("0 */15 * * * *", options.Schedule);
        Assert.Equal("account_owner", options.AccountFields["Owner.Name"]);
        Assert.Equal("job_title", options.ContactFields["Title"]);
        Assert.Equal("Active_Users__c", options.PushFields[CrmOptions.ActiveUsers]);
        Assert.Empty(options.EnterpriseFeatures);
        Assert.Equal(CrmMetadataMode.Compact, options.MetadataMode);
    }

    [Fact]
    public void Settings_Given_ReplaceTheDefaults()
    {
        var options = Resolve(new()
        {
            ["CRM_ACCOUNT_FIELDS"] = """{"Industry": "industry", "Region__c": "sales_region"}""",
            ["CRM_ENTERPRISE_FEATURES"] = "sso, dir_sync",
            ["CRM_ACCOUNT_PUSH_FIELDS"] = """{"active_users": "Seats_Used__c"}""",
            ["CRM_SYNC_SCHEDULE"] = "0 0 * * * *",
        });

        Assert.Equal(["Industry", "Region__c"], options.AccountFields.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["sso", "dir_sync"], options.EnterpriseFeatures);
        Assert.Equal("Seats_Used__c", Assert.Single(options.PushFields).Value);
        Assert.Equal("0 0 * * * *", options.Schedule);
    }

    [Theory]
    [InlineData("""{"Industry": "industry", "Active_Users__c": "active_users"}""", null, "The Salesforce field 'Active_Users__c' is read by CRM_ACCOUNT_FIELDS and written by CRM_ACCOUNT_PUSH_FIELDS")]
    [InlineData(null, """{"subscription_status": "Industry"}""", "The Salesforce field 'Industry' is read by CRM_ACCOUNT_FIELDS and written by CRM_ACCOUNT_PUSH_FIELDS")]
    [InlineData("""{"Industry": "last_crm_sync"}""", null, "CRM_ACCOUNT_FIELDS maps a field to 'last_crm_sync'")]
    [InlineData("""{"Industry": "crm"}""", null, "CRM_ACCOUNT_FIELDS maps a field to 'crm'")]
    [InlineData("""{"Industry": "synced"}""", null, "CRM_ACCOUNT_FIELDS maps a field to 'synced', which CRM_METADATA_MODE=compact uses")]
    [InlineData("""{"Industry": "sector", "Type": "sector"}""", null, "CRM_ACCOUNT_FIELDS maps two fields to the metadata key 'sector'")]
    public void FieldConfiguredInBothDirections_OrKeyWithTwoWriters_TurnsTheCrmSyncOff(string? accountFields, string? pushFields, string expected)
    {
        var problem = Resolve(new() { ["CRM_ACCOUNT_FIELDS"] = accountFields, ["CRM_ACCOUNT_PUSH_FIELDS"] = pushFields }).Problem;

        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CRM_ACCOUNT_FIELDS", "[\"Industry\"]", "CRM_ACCOUNT_FIELDS must be a JSON object of strings")]
    [InlineData("CRM_ACCOUNT_FIELDS", "{\"Industry\": null}", "CRM_ACCOUNT_FIELDS must be a JSON object of strings")]
    [InlineData("CRM_ACCOUNT_FIELDS", "{\"Industry\": \"ab\"}", "the metadata key 'ab' must have 3 to 25 characters")]
    [InlineData("CRM_CONTACT_FIELDS", "{\"Title; DROP\": \"job_title\"}", "'Title; DROP' is not a Salesforce field name")]
    [InlineData("CRM_ACCOUNT_PUSH_FIELDS", "{\"seats\": \"Seats__c\"}", "unknown fact 'seats'")]
    [InlineData("CRM_ENTERPRISE_FEATURES", "sso,directory_sync", "CRM_ENTERPRISE_FEATURES names the feature 'directory_sync'")]
    [InlineData("CRM_METADATA_MODE", "verbose", "CRM_METADATA_MODE must be 'compact' or 'keys'")]
    public void NonsenseValue_TurnsTheCrmSyncOffNamingTheSetting(string setting, string value, string expected)
    {
        var problem = Resolve(new() { [setting] = value }).Problem;

        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sso,dir_sync")]
    [InlineData(" sso , dir_sync ,sso")]
    [InlineData("[\"sso\",\"dir_sync\"]")]
    [InlineData("[\"sso\", \"dir_sync\", \"sso\"]")]
    public void EnterpriseFeatures_AcceptACommaListAndAJsonList(string value)
    {
        var options = Resolve(new() { ["CRM_ENTERPRISE_FEATURES"] = value });

        Assert.Null(options.Problem);
        Assert.Equal(["sso", "dir_sync"], options.EnterpriseFeatures);
    }

    [Theory]
    [InlineData("[\"sso\"")]
    [InlineData("[\"sso\", null]")]
    [InlineData("[\"sso\", 3]")]
    public void EnterpriseFeatures_BrokenJsonList_TurnsOnlyTheCrmSyncOff(string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CRM_ENTERPRISE_FEATURES"] = value,
            ["SALESFORCE_INSTANCE_URL"] = "https://acme.my.salesforce.com",
            ["SALESFORCE_CLIENT_ID"] = "id",
            ["SALESFORCE_CLIENT_SECRET"] = "secret",
        }).Build();
        using var provider = new ServiceCollection().AddLogging().AddScalekitWebhooks(configuration).BuildServiceProvider();

        provider.GetRequiredService<IStartupValidator>().Validate();

        var salesforce = provider.GetRequiredService<IOptions<SalesforceOptions>>().Value;
        Assert.False(salesforce.IsConfigured);
        Assert.Contains("CRM_ENTERPRISE_FEATURES must be names separated by commas", salesforce.Problem, StringComparison.Ordinal);
        Assert.Null(provider.GetRequiredService<IOptions<global::Scalekit.Webhooks.Stripe.BillingOptions>>().Value.Problem);
    }

    [Fact]
    public void Mapped_ReadsNestedFields_NumbersWithoutTrailingZeros_AndLeavesOutEmptyOnes()
    {
        using var record = JsonDocument.Parse("""{"Industry": null, "AnnualRevenue": 950000.0, "NumberOfEmployees": 120, "Type": "", "Owner": {"Name": "Grace"}}""");

        var mapped = CrmScheduledSync.Mapped(record.RootElement, CrmOptions.DefaultAccountFields);

        Assert.Equal(new Dictionary<string, string> { ["annual_revenue"] = "950000", ["company_size"] = "120", ["account_owner"] = "Grace" }, mapped);
    }

    [Theory]
    [InlineData("2026-11-25T08:00:00.000+0000", "2026-11-25T08:00:00Z")]
    [InlineData("2026-11-25T10:00:00.000+0200", "2026-11-25T08:00:00Z")]
    [InlineData("2026-11-25T08:00:00Z", "2026-11-25T08:00:00Z")]
    public void SalesforceDateTimes_AreRead(string value, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), AccountPush.ParseDateTime(value));

    [Fact]
    public void Changes_OnlyFieldsThatDiffer_AndTheLastLoginNeverMovesBack()
    {
        using var account = JsonDocument.Parse("""{"Active_Users__c": 5.0, "Subscription_Status__c": "active", "Last_Login_Date__c": "2026-11-25T08:00:00.000+0000"}""");
        var desired = new Dictionary<string, object?>
        {
            [CrmOptions.ActiveUsers] = 5,
            [CrmOptions.SubscriptionStatus] = "past_due",
            [CrmOptions.LastLogin] = DateTimeOffset.Parse("2026-11-25T07:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
        };

        var changes = AccountPush.Changes(account.RootElement, desired, CrmOptions.DefaultPushFields);

        Assert.Equal(new Dictionary<string, object?> { ["Subscription_Status__c"] = "past_due" }, changes);
    }

    [Theory]
    [InlineData("001A000001abcDE", "001A000001abcDE")]
    [InlineData("001A000001abcDEIAZ", "001A000001abcDE")]
    public void AccountIds_Of15And18Characters_ShareOneKey(string id, string key) => Assert.Equal(key, AccountLinks.AccountKey(id));

    private static CrmOptions Resolve(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var provider = new ServiceCollection().AddLogging().AddScalekitWebhooks(configuration).BuildServiceProvider();
        return provider.GetRequiredService<IOptions<CrmOptions>>().Value;
    }
}
