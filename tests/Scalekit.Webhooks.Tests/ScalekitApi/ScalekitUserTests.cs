using System.Text.Json;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;

namespace Scalekit.Webhooks.Tests.Scalekit;

public class ScalekitUserTests
{
    [Fact]
    public void FromResponse_ReadsTheWrappedUser_MembershipsAndDeprecatedNameFields()
    {
        using var body = JsonDocument.Parse("""
            {"user": {"id": "usr_1", "email": "ada@example.com", "external_id": "E-1", "metadata": {"department": "Engineering", "level": 7},
             "user_profile": {"first_name": "Ada", "family_name": "Lovelace"},
             "memberships": [{"organization_id": "org_1", "membership_status": "ACTIVE", "roles": [{"id": "role_1", "name": "admin"}, "member"], "metadata": {}},
                             {"membership_status": "ACTIVE"}]}}
            """);

        var user = ScalekitUser.FromResponse(body.RootElement);

        Assert.Equal("usr_1", user.Id);
        Assert.Equal("E-1", user.ExternalId);
        Assert.Equal("Ada", user.Profile.GivenName);
        Assert.Equal("Lovelace", user.Profile.FamilyName);
        Assert.Equal("7", user.Metadata["level"]);
        var membership = Assert.Single(user.Memberships);
        Assert.Equal(["admin", "member"], membership.Roles);
        Assert.Same(membership, user.MembershipIn("org_1"));
        Assert.Null(user.MembershipIn("org_2"));
    }

    [Theory]
    [InlineData("""{"user": {"email": "ada@example.com"}}""")]
    [InlineData("""{"user": "usr_1"}""")]
    [InlineData("""[1, 2]""")]
    public void FromResponse_UserWithoutId_IsAMalformedAnswer_ThatIsNotRetried(string json)
    {
        using var body = JsonDocument.Parse(json);

        var error = Assert.Throws<ScalekitMalformedAnswerException>(() => ScalekitUser.FromResponse(body.RootElement));

        Assert.False(error.IsTransient);
        Assert.Contains("'id'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"organization": {"display_name": "Acme"}}""")]
    [InlineData("""{"organization": []}""")]
    [InlineData("\"org_1\"")]
    public void OrganizationFromResponse_WithoutId_IsAMalformedAnswer_ThatIsNotRetried(string json)
    {
        using var body = JsonDocument.Parse(json);

        var error = Assert.Throws<ScalekitMalformedAnswerException>(() => ScalekitOrganization.FromResponse(body.RootElement));

        Assert.False(error.IsTransient);
    }

    [Fact]
    public void NewUser_IsSentUnwrapped_WithRoleObjectsAndStringMetadata()
    {
        var json = new ScalekitNewUser("ada@example.com", "E-1", new Dictionary<string, string> { ["hr_employee_id"] = "E-1" }, new ScalekitUserProfile("Ada", "Lovelace"), ["member", "engineer"]).ToJson();

        Assert.Equal("""{"email":"ada@example.com","external_id":"E-1","metadata":{"hr_employee_id":"E-1"},"membership":{"roles":[{"name":"member"},{"name":"engineer"}]},"user_profile":{"given_name":"Ada","family_name":"Lovelace","name":"Ada Lovelace"}}""", json.ToJsonString());
    }

    [Fact]
    public void Update_SendsOnlyWhatIsSet()
    {
        Assert.Equal("""{"metadata":{"employee_status":"on_leave"}}""", new ScalekitUserUpdate(Metadata: new Dictionary<string, string> { ["employee_status"] = "on_leave" }).ToJson().ToJsonString());
        Assert.Equal("""{"external_id":"E-2"}""", new ScalekitUserUpdate(ExternalId: "E-2").ToJson().ToJsonString());
    }

    [Theory]
    [InlineData(21, 3, 1, "at most 20")]
    [InlineData(1, 2, 1, "3 to 25")]
    [InlineData(1, 26, 1, "3 to 25")]
    [InlineData(1, 5, 0, "1 to 256")]
    [InlineData(1, 5, 257, "1 to 256")]
    public void ValidateMetadata_EnforcesScalekitsUserLimits(int pairs, int keyLength, int valueLength, string expected)
    {
        var metadata = Enumerable.Range(0, pairs).ToDictionary(i => (i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture) + new string('k', 30))[..keyLength], _ => new string('v', valueLength));
        Assert.Contains(expected, ScalekitUser.ValidateMetadata(metadata), StringComparison.Ordinal);
        Assert.Null(ScalekitUser.ValidateMetadata(new Dictionary<string, string> { ["department"] = "Engineering" }));
    }
}
