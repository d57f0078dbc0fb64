using System.Text;
using Microsoft.Extensions.Configuration;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Hr.Providers.Generic;
using Scalekit.Webhooks.Samples;

namespace Scalekit.Webhooks.Tests.Hr;

public class HrConnectionTests
{
    private static readonly string Secret = WebhookSigner.NewScalekitSecret();

    private static IReadOnlyList<HrConnection> Read(params (string Key, string? Value)[] settings) =>
        HrConnection.ReadAll(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, s.Value))).Build());

    [Fact]
    public void ReadAll_CompleteConnection_IsEnabledWithItsOrganizationAndRoute()
    {
        var connection = Assert.Single(Read(("HR_CONNECTIONS:Acme:ORGANIZATION_ID", "org_1"), ("HR_CONNECTIONS:Acme:SIGNING_SECRET", Secret)));

        Assert.True(connection.IsEnabled, connection.Problem);
        Assert.Equal("acme", connection.Id);
        Assert.Equal("org_1", connection.OrganizationId);
        Assert.Equal("generic", connection.Provider);
        Assert.Equal("/api/webhooks/hr/acme", connection.WebhookPath);
        Assert.Equal(8, Assert.Single(connection.SecretFingerprints).Length);
    }

    [Fact]
    public void ReadAll_ABrokenConnection_DisablesOnlyItself()
    {
        var connections = Read(
            ("HR_CONNECTIONS:acme:ORGANIZATION_ID", "org_1"),
            ("HR_CONNECTIONS:acme:SIGNING_SECRET", Secret),
            ("HR_CONNECTIONS:globex:SIGNING_SECRET", Secret));

        Assert.True(connections.Single(c => c.Id == "acme").IsEnabled);
        var broken = connections.Single(c => c.Id == "globex");
        Assert.False(broken.IsEnabled);
        Assert.StartsWith("HR_CONNECTIONS__globex__ORGANIZATION_ID is not set", broken.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HR_CONNECTIONS:acme:SIGNING_SECRET", null, "HR_CONNECTIONS__acme__SIGNING_SECRET is not set")]
    [InlineData("HR_CONNECTIONS:acme:SIGNING_SECRET", "whsec_***not-base64***", "HR_CONNECTIONS__acme__SIGNING_SECRET: secret #1 is not a Standard Webhooks secret")]
    [InlineData("HR_CONNECTIONS:acme:SIGNING_SECRET", "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/hr-acme)", "Key Vault reference that has not been resolved")]
    [InlineData("HR_CONNECTIONS:acme:PROVIDER", "workday", "HR_CONNECTIONS__acme__PROVIDER must be generic, bamboohr, hibob or merge")]
    public void ReadAll_ProblemNamesTheSetting_AndNeverRepeatsTheSecret(string key, string? value, string expected)
    {
        var settings = new Dictionary<string, string?> { ["HR_CONNECTIONS:acme:ORGANIZATION_ID"] = "org_1", ["HR_CONNECTIONS:acme:SIGNING_SECRET"] = Secret, [key] = value };

        var connection = Assert.Single(Read([.. settings.Select(pair => (pair.Key, pair.Value))]));

        Assert.False(connection.IsEnabled);
        Assert.Contains(expected, connection.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain("not-base64", connection.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, connection.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadAll_ProviderConnections_CarryTheirProvidersFields()
    {
        var connections = Read(
            ("HR_CONNECTIONS:bamboo:ORGANIZATION_ID", "org_1"),
            ("HR_CONNECTIONS:bamboo:PROVIDER", "BambooHR"),
            ("HR_CONNECTIONS:bamboo:COMPANY_DOMAIN", "acme"),
            ("HR_CONNECTIONS:bamboo:COMPANY_ID", "12345"),
            ("HR_CONNECTIONS:bamboo:API_KEY", "bamboo-api-key"),
            ("HR_CONNECTIONS:bamboo:SIGNING_SECRET", "private-key-new private-key-old"),
            ("HR_CONNECTIONS:bob:ORGANIZATION_ID", "org_2"),
            ("HR_CONNECTIONS:bob:PROVIDER", "hibob"),
            ("HR_CONNECTIONS:bob:COMPANY_ID", "637323"),
            ("HR_CONNECTIONS:bob:SERVICE_USER_ID", "SERVICE-1"),
            ("HR_CONNECTIONS:bob:API_KEY", "service-token"),
            ("HR_CONNECTIONS:bob:SIGNING_SECRET", "bob-secret"),
            ("HR_CONNECTIONS:unified:ORGANIZATION_ID", "org_3"),
            ("HR_CONNECTIONS:unified:PROVIDER", "merge"));

        var bamboo = connections.Single(c => c.Id == "bamboo");
        Assert.True(bamboo.IsEnabled, bamboo.Problem);
        Assert.Equal(("bamboohr", "acme", "12345", "bamboo-api-key"), (bamboo.Provider, bamboo.Field("company_domain"), bamboo.Field("company_id"), bamboo.ApiCredential));
        Assert.Equal(["private-key-new", "private-key-old"], bamboo.Secrets);
        var bob = connections.Single(c => c.Id == "bob");
        Assert.True(bob.IsEnabled, bob.Problem);
        Assert.Equal(("hibob", "637323", "SERVICE-1", "service-token"), (bob.Provider, bob.Field("company_id"), bob.Field("service_user_id"), bob.ApiCredential));
        var merge = connections.Single(c => c.Id == "unified");
        Assert.True(merge.IsEnabled, merge.Problem);
        Assert.Equal("merge", merge.Provider);
        Assert.Equal("org_3", merge.Field("end_user_origin_id"));
    }

    [Theory]
    [InlineData("bamboohr", "COMPANY_DOMAIN", null, "HR_CONNECTIONS__acme__COMPANY_DOMAIN is not set")]
    [InlineData("bamboohr", "COMPANY_DOMAIN", "acme.bamboohr.com", "HR_CONNECTIONS__acme__COMPANY_DOMAIN must be the company's BambooHR subdomain")]
    [InlineData("bamboohr", "API_KEY", null, "HR_CONNECTIONS__acme__API_KEY is not set")]
    [InlineData("bamboohr", "COMPANY_ID", "acme", "HR_CONNECTIONS__acme__COMPANY_ID must be BambooHR's numeric companyId")]
    [InlineData("bamboohr", "COMPANY_ID", null, "HR_CONNECTIONS__acme__COMPANY_ID is not set")]
    [InlineData("bamboohr", "SIGNING_SECRET", null, "HR_CONNECTIONS__acme__SIGNING_SECRET is not set: give the webhook's private key BambooHR showed")]
    [InlineData("hibob", "COMPANY_ID", null, "HR_CONNECTIONS__acme__COMPANY_ID is not set")]
    [InlineData("hibob", "SERVICE_USER_ID", null, "HR_CONNECTIONS__acme__SERVICE_USER_ID is not set")]
    [InlineData("hibob", "API_KEY", null, "HR_CONNECTIONS__acme__API_KEY is not set")]
    [InlineData("hibob", "SIGNING_SECRET", "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/bob)", "HR_CONNECTIONS__acme__SIGNING_SECRET holds a Key Vault reference")]
    [InlineData("merge", "SIGNING_SECRET", "some-secret", "HR_CONNECTIONS__acme__SIGNING_SECRET is not read for a Merge connection")]
    public void ReadAll_ProviderSettingMissingOrWrong_NamesTheSetting_AndNeverRepeatsASecret(string provider, string key, string? value, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["HR_CONNECTIONS:acme:ORGANIZATION_ID"] = "org_1",
            ["HR_CONNECTIONS:acme:PROVIDER"] = provider,
            ["HR_CONNECTIONS:acme:COMPANY_DOMAIN"] = "acme",
            ["HR_CONNECTIONS:acme:COMPANY_ID"] = "12345",
            ["HR_CONNECTIONS:acme:SERVICE_USER_ID"] = "SERVICE-1",
            ["HR_CONNECTIONS:acme:API_KEY"] = "api-key-value",
            ["HR_CONNECTIONS:acme:SIGNING_SECRET"] = provider == "merge" ? null : "webhook-key-value",
        };
        settings[$"HR_CONNECTIONS:acme:{key}"] = value;

        var connection = Assert.Single(Read([.. settings.Select(pair => (pair.Key, pair.Value))]));

        Assert.False(connection.IsEnabled);
        Assert.Contains(expected, connection.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain("api-key-value", connection.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain("webhook-key-value", connection.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain("some-secret", connection.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadAll_TheMergeRouteId_IsReserved()
    {
        var connection = Assert.Single(Read(("HR_CONNECTIONS:merge:ORGANIZATION_ID", "org_1"), ("HR_CONNECTIONS:merge:SIGNING_SECRET", Secret)));

        Assert.False(connection.IsEnabled);
        Assert.Contains("'merge' is reserved", connection.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("9lives")]
    [InlineData("has_underscore")]
    [InlineData("a-very-long-connection-id-that-is-over-forty-chars")]
    public void ReadAll_IdThatCannotBeARouteOrExternalIdPart_IsRefused(string id)
    {
        var connection = Assert.Single(Read(($"HR_CONNECTIONS:{id}:ORGANIZATION_ID", "org_1"), ($"HR_CONNECTIONS:{id}:SIGNING_SECRET", Secret)));

        Assert.False(connection.IsEnabled);
        Assert.Contains("a connection id is 1 to 40 lower-case letters", connection.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ContentProblem_EventNamingAnotherOrganization_NamesTheField()
    {
        var connection = Assert.Single(Read(("HR_CONNECTIONS:acme:ORGANIZATION_ID", "org_1"), ("HR_CONNECTIONS:acme:SIGNING_SECRET", Secret)));

        Assert.Null(GenericHrProvider.ContentProblem(connection, Event(new SampleOptions { OccurredAt = DateTimeOffset.UnixEpoch })));
        Assert.Null(GenericHrProvider.ContentProblem(connection, Event(new SampleOptions { OccurredAt = DateTimeOffset.UnixEpoch, EmployeeOrganizationId = "org_1" })));
        Assert.StartsWith("data.organization_id names another organization", GenericHrProvider.ContentProblem(connection, Event(new SampleOptions { OccurredAt = DateTimeOffset.UnixEpoch, EmployeeOrganizationId = "org_2" })), StringComparison.Ordinal);
        Assert.StartsWith("data.organization_external_id is not accepted", GenericHrProvider.ContentProblem(connection, Event(new SampleOptions { OccurredAt = DateTimeOffset.UnixEpoch, EmployeeOrganizationExternalId = "cus_1" })), StringComparison.Ordinal);
    }

    [Fact]
    public void ExternalId_IsNamespacedByConnection_SoTwoCustomersEmployeesNeverShareOne()
    {
        Assert.Equal("hr:acme:1001", HrExternalId.For("acme", "1001"));
        Assert.NotEqual(HrExternalId.For("acme", "1001"), HrExternalId.For("globex", "1001"));
        Assert.StartsWith(HrExternalId.Prefix, HrExternalId.For("acme", "cus_1_admin"), StringComparison.Ordinal);
    }

    private static ReadOnlyMemory<byte> Event(SampleOptions options) => Encoding.UTF8.GetBytes(HrSamples.Create("employee.hired", options).ToJsonString());
}
