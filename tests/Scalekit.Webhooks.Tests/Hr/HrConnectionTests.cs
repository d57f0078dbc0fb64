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
        Assert.Equal(HrProvider.Generic, connection.Provider);
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
    [InlineData("HR_CONNECTIONS:acme:PROVIDER", "workday", "HR_CONNECTIONS__acme__PROVIDER must be 'generic'")]
    public void ReadAll_ProblemNamesTheSetting_AndNeverRepeatsTheSecret(string key, string? value, string expected)
    {
        var settings = new Dictionary<string, string?> { ["HR_CONNECTIONS:acme:ORGANIZATION_ID"] = "org_1", ["HR_CONNECTIONS:acme:SIGNING_SECRET"] = Secret, [key] = value };

        var connection = Assert.Single(Read([.. settings.Select(pair => (pair.Key, pair.Value))]));

        Assert.False(connection.IsEnabled);
        Assert.Contains(expected, connection.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain("not-base64", connection.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, connection.Problem, StringComparison.Ordinal);
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
