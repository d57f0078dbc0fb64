using System.Text.Json;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Tests.Scalekit;

public class ScalekitEventMapperTests
{
    private const string Org = "org_62711281101783560";
    private static readonly SampleOptions Options = new() { OccurredAt = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000) };

    [Theory]
    [InlineData("organization.created", "Organizations", Org, Org, false)]
    [InlineData("organization.updated", "Organizations", Org, Org, false)]
    [InlineData("organization.deleted", "Organizations", Org, Org, true)]
    [InlineData("organization.domain_created", "OrganizationDomains", Org, "dom_62711291839528968", false)]
    [InlineData("organization.domain_deleted", "OrganizationDomains", Org, "dom_62711291839528968", true)]
    [InlineData("organization.domain_dns_verification_success", "OrganizationDomains", Org, "dom_62711291839528968", false)]
    [InlineData("organization.domain_dns_verification_failed", "OrganizationDomains", Org, "dom_62711291839528968", false)]
    [InlineData("organization.sso_created", "SsoConnections", Org, "conn_62711300848894216", false)]
    [InlineData("organization.sso_enabled", "SsoConnections", Org, "conn_62711300848894216", false)]
    [InlineData("organization.sso_disabled", "SsoConnections", Org, "conn_62711300848894216", false)]
    [InlineData("organization.sso_deleted", "SsoConnections", Org, "conn_62711300848894216", true)]
    [InlineData("organization.directory_enabled", "Directories", Org, "dir_62711310445789192", false)]
    [InlineData("organization.directory_disabled", "Directories", Org, "dir_62711310445789192", false)]
    [InlineData("organization.directory.user_created", "DirectoryUsers", Org, "diruser_62711330767094792", false)]
    [InlineData("organization.directory.user_updated", "DirectoryUsers", Org, "diruser_62711330767094792", false)]
    [InlineData("organization.directory.user_deleted", "DirectoryUsers", Org, "diruser_62711330767094792", true)]
    [InlineData("organization.directory.group_created", "DirectoryGroups", Org, "dirgroup_62711351172906504", false)]
    [InlineData("organization.directory.group_updated", "DirectoryGroups", Org, "dirgroup_62711351172906504", false)]
    [InlineData("organization.directory.group_deleted", "DirectoryGroups", Org, "dirgroup_62711351172906504", true)]
    [InlineData("user.signup", "Memberships", Org, "usr_62711402059563528", false)]
    [InlineData("user.organization_invitation", "Memberships", Org, "usr_62711402059563528", false)]
    [InlineData("user.organization_membership_created", "Memberships", Org, "usr_62711402059563528", false)]
    [InlineData("user.organization_membership_updated", "Memberships", Org, "usr_62711402059563528", false)]
    [InlineData("user.organization_membership_deleted", "Memberships", Org, "usr_62711402059563528", true)]
    [InlineData("user.login", "UserSessions", "usr_62711402059563528", "ses_62711420843737352", false)]
    [InlineData("user.logout", "UserSessions", "usr_62711402059563528", "ses_62711420843737352", false)]
    [InlineData("role.created", "Roles", "billing_admin", "billing_admin", false)]
    [InlineData("role.updated", "Roles", "billing_admin", "billing_admin", false)]
    [InlineData("role.deleted", "Roles", "billing_admin", "billing_admin", true)]
    [InlineData("permission.created", "Permissions", "invoices:read", "invoices:read", false)]
    [InlineData("permission.updated", "Permissions", "invoices:read", "invoices:read", false)]
    [InlineData("permission.deleted", "Permissions", "invoices:read", "invoices:read", true)]
    [InlineData("connected_account.created", "ConnectedAccounts", "ca_62711529911018504", "ca_62711529911018504", false)]
    [InlineData("connected_account.updated", "ConnectedAccounts", "ca_62711529911018504", "ca_62711529911018504", false)]
    [InlineData("connected_account.status_updated", "ConnectedAccounts", "ca_62711529911018504", "ca_62711529911018504", false)]
    [InlineData("connected_account.deleted", "ConnectedAccounts", "ca_62711529911018504", "ca_62711529911018504", true)]
    [InlineData("connected_account.magic_link_generated", "ConnectedAccounts", "ca_62711529911018504", "ca_62711529911018504", false)]
    [InlineData("connected_account.oauth_tokens_fetched", "ConnectedAccounts", "ca_62711529911018504", "ca_62711529911018504", false)]
    [InlineData("connected_account.token_refresh_succeeded", "ConnectedAccounts", "ca_62711529911018504", "ca_62711529911018504", false)]
    [InlineData("connected_account.token_refresh_failed", "ConnectedAccounts", "ca_62711529911018504", "ca_62711529911018504", false)]
    [InlineData("connected_account.oauth_succeeded", "ConnectedAccounts", "ca_62711529911018504", "ca_62711529911018504", false)]
    public void Map_EveryPublishedType_WritesItsRow(string type, string table, string partition, string row, bool softDelete)
    {
        var plan = Map(ScalekitSamples.Create(type, Options).ToJsonString());

        var change = Assert.Single(Rows(plan), c => c.Table == table);
        Assert.Equal(partition, change.PartitionId);
        Assert.Equal(row, change.RowId);
        Assert.Equal(softDelete, change.SoftDelete);
    }

    [Theory]
    [InlineData("organization.domain_created", false)]
    [InlineData("organization.domain_deleted", true)]
    public void Map_Domain_IndexesTheOrganizationUnderTheDomainInLowerCase(string type, bool softDelete)
    {
        var json = ScalekitSamples.Create(type, Options);
        json["data"]!["domain"] = "Acme.Example";
        var index = Assert.Single(Rows(Map(json.ToJsonString())), c => c.Table == StateTables.DomainOrganizations);
        Assert.Equal("acme.example", index.PartitionId);
        Assert.Equal("dom_62711291839528968", index.RowId);
        Assert.Equal(Org, index.Properties["OrganizationId"]);
        Assert.Equal(softDelete, index.SoftDelete);
    }

    [Fact]
    public void Map_CoversAllFortyOnePublishedTypes()
    {
        Assert.Equal(ScalekitSamples.Types.Order(StringComparer.Ordinal), ScalekitEventMapper.HandledTypes.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Map_UnknownType_IsIgnored()
    {
        Assert.True(Map("{\"id\":\"evt_1\",\"type\":\"organization.quantum_entangled\",\"data\":{\"id\":\"org_1\"}}").IsIgnored);
    }

    [Fact]
    public void Map_DirectoryUser_KeepsProfileHrFieldsAndGroups()
    {
        var plan = Map(ScalekitSamples.Create("organization.directory.user_updated", Options).ToJsonString());
        var user = Assert.Single(Rows(plan)).Properties;
        Assert.Equal("ada@acme.example", user["Email"]);
        Assert.Equal(true, user["Active"]);
        Assert.Equal("Lovelace", user["FamilyName"]);
        Assert.Equal("Engineering", user["Department"]);
        Assert.Equal("E-1001", user["EmployeeId"]);
        Assert.Contains("engineer", (string)user["Roles"]!, StringComparison.Ordinal);
        Assert.Equal(["dirgroup_62711351172906504"], plan.GroupMembership!.GroupIds);
    }

    [Fact]
    public void Map_Organization_SeedsTheCustomerLinkFromItsExternalId()
    {
        var plan = Map(ScalekitSamples.Create("organization.updated", Options with { ExternalId = "cus_linked" }).ToJsonString());
        var link = Assert.Single(Rows(plan), c => c.Table == StateTables.OrganizationLinks);
        Assert.Equal("cus_linked", link.RowId);
        Assert.Equal(Org, link.Properties["OrganizationId"]);
    }

    [Fact]
    public void Map_ConnectedAccount_NeverCopiesTokensOrLinks()
    {
        var json = ScalekitSamples.Create("connected_account.oauth_tokens_fetched", Options);
        json["data"]!["access_token"] = "secret-access-token";
        json["data"]!["refresh_token"] = "secret-refresh-token";
        json["data"]!["magic_link"] = "https://link.example/secret";
        var change = Assert.Single(Rows(Map(json.ToJsonString())));
        Assert.DoesNotContain(change.Properties.Values.OfType<string>(), v => v.Contains("secret", StringComparison.Ordinal));
        Assert.Equal("ACTIVE", change.Properties["Status"]);
    }

    [Fact]
    public void Map_DataWithoutId_ThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => Map("{\"id\":\"evt_1\",\"type\":\"organization.created\",\"data\":{\"display_name\":\"x\"}}"));
    }

    [Theory]
    [InlineData("{\"id\":\"evt_1\",\"type\":\"user.organization_membership_created\",\"data\":{\"user\":\"usr_1\"}}", "'id'")]
    [InlineData("{\"id\":\"evt_1\",\"type\":\"user.organization_membership_created\",\"data\":{}}", "'id'")]
    [InlineData("{\"id\":\"evt_1\",\"type\":\"user.login\",\"data\":{\"user_session\":[],\"user\":7}}", "'id'")]
    [InlineData("{\"id\":\"evt_1\",\"type\":\"user.logout\",\"data\":{\"user_session\":{\"user_id\":\"usr_1\"}}}", "'session_id'")]
    [InlineData("{\"id\":\"evt_1\",\"type\":7,\"data\":{}}", "'type'")]
    [InlineData("[1,2,3]", "'type'")]
    public void TryMap_MalformedEvent_SaysWhatIsMissing_WithoutThrowing(string json, string missing)
    {
        using var document = JsonDocument.Parse(json);

        Assert.False(ScalekitEventMapper.TryMap(document.RootElement, out var plan, out var problem));
        Assert.Null(plan);
        Assert.Contains(missing, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TryMap_WellFormedEvent_GivesThePlan()
    {
        using var document = JsonDocument.Parse(ScalekitSamples.Create("user.organization_membership_created", Options).ToJsonString());

        Assert.True(ScalekitEventMapper.TryMap(document.RootElement, out var plan, out var problem));
        Assert.Equal(string.Empty, problem);
        Assert.Contains(plan.Changes, change => change is MembershipChange);
    }

    /// <summary>The rows the plan's changes become (each store's mapping).</summary>
    private static StateChange[] Rows(ScalekitEventPlan plan) => [.. plan.Changes.Select(change => change.ToRow())];

    private static ScalekitEventPlan Map(string json)
    {
        using var document = JsonDocument.Parse(json);
        return ScalekitEventMapper.Map(document.RootElement);
    }
}
