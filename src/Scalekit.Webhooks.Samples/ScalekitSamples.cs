using System.Globalization;
using System.Text.Json.Nodes;

namespace Scalekit.Webhooks.Samples;

/// <summary>Realistic Scalekit events for every published type, shaped as <c>shared/spec/scalekit.md</c> describes.</summary>
public static class ScalekitSamples
{
    /// <summary>The 41 event types in Scalekit's published spec.</summary>
    public static IReadOnlyList<string> Types { get; } =
    [
        "organization.created", "organization.updated", "organization.deleted",
        "organization.domain_created", "organization.domain_deleted",
        "organization.domain_dns_verification_success", "organization.domain_dns_verification_failed",
        "organization.sso_created", "organization.sso_enabled", "organization.sso_disabled", "organization.sso_deleted",
        "organization.directory_enabled", "organization.directory_disabled",
        "organization.directory.user_created", "organization.directory.user_updated", "organization.directory.user_deleted",
        "organization.directory.group_created", "organization.directory.group_updated", "organization.directory.group_deleted",
        "user.signup", "user.login", "user.logout", "user.organization_invitation",
        "user.organization_membership_created", "user.organization_membership_updated", "user.organization_membership_deleted",
        "role.created", "role.updated", "role.deleted",
        "permission.created", "permission.updated", "permission.deleted",
        "connected_account.created", "connected_account.updated", "connected_account.status_updated", "connected_account.deleted",
        "connected_account.magic_link_generated", "connected_account.oauth_tokens_fetched",
        "connected_account.token_refresh_succeeded", "connected_account.token_refresh_failed", "connected_account.oauth_succeeded",
    ];

    /// <summary>A complete event envelope of <paramref name="type"/>; unknown types get an organization-shaped body.</summary>
    public static JsonObject Create(string type, SampleOptions options)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(options);
        var orgScoped = !(type.StartsWith("role.", StringComparison.Ordinal) || type.StartsWith("permission.", StringComparison.Ordinal) || type.StartsWith("connected_account.", StringComparison.Ordinal));
        var envelope = new JsonObject
        {
            ["spec_version"] = "1",
            ["id"] = options.EventId ?? SampleIds.New("evt_"),
            ["type"] = type,
            ["object"] = ObjectName(type),
            ["occurred_at"] = options.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'00Z'", CultureInfo.InvariantCulture),
            ["environment_id"] = "env_58345499215790610",
            ["display_name"] = DisplayName(type),
        };
        if (orgScoped)
        {
            envelope["organization_id"] = options.OrganizationId;
        }

        envelope["data"] = Data(type, options);
        return envelope;
    }

    private static JsonObject Data(string type, SampleOptions o)
    {
        var time = o.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        return type switch
        {
            "organization.created" or "organization.updated" => Organization(o, time, deleted: false),
            "organization.deleted" => Organization(o, time, deleted: true),
            _ when type.StartsWith("organization.domain_", StringComparison.Ordinal) => new JsonObject
            {
                ["id"] = "dom_62711291839528968",
                ["domain"] = "acme.example",
                ["domain_type"] = "ORGANIZATION_DOMAIN",
                ["organization_id"] = o.OrganizationId,
                ["verification_status"] = type.EndsWith("success", StringComparison.Ordinal) ? "VERIFIED" : type.EndsWith("failed", StringComparison.Ordinal) ? "FAILED" : "PENDING",
                ["verification_method"] = "DNS",
                ["updated_at"] = time,
            },
            _ when type.StartsWith("organization.sso_", StringComparison.Ordinal) => new JsonObject
            {
                ["id"] = "conn_62711300848894216",
                ["organization_id"] = o.OrganizationId,
                ["connection_type"] = "SAML",
                ["provider"] = "OKTA",
                ["enabled"] = type == "organization.sso_enabled",
                ["status"] = type == "organization.sso_enabled" ? "COMPLETED" : "IN_PROGRESS",
            },
            "organization.directory_enabled" or "organization.directory_disabled" => new JsonObject
            {
                ["id"] = o.DirectoryId,
                ["organization_id"] = o.OrganizationId,
                ["directory_type"] = "SCIM",
                ["provider"] = "OKTA",
                ["enabled"] = type.EndsWith("enabled", StringComparison.Ordinal),
                ["updated_at"] = time,
            },
            "organization.directory.user_created" or "organization.directory.user_updated" => DirectoryUser(o),
            "organization.directory.user_deleted" => new JsonObject
            {
                ["id"] = o.DirectoryUserId,
                ["organization_id"] = o.OrganizationId,
                ["dp_id"] = "00u1a2b3c4d5e6f7g8h9",
                ["email"] = o.Email,
            },
            _ when type.StartsWith("organization.directory.group_", StringComparison.Ordinal) => new JsonObject
            {
                ["id"] = o.DirectoryGroupId,
                ["organization_id"] = o.OrganizationId,
                ["directory_id"] = o.DirectoryId,
                ["display_name"] = "Engineering",
                ["external_id"] = "grp-engineering",
                ["dp_id"] = "00g1a2b3c4d5e6f7g8h9",
            },
            "user.login" or "user.logout" => new JsonObject
            {
                ["user"] = User(o),
                ["user_session"] = new JsonObject
                {
                    ["session_id"] = "ses_62711420843737352",
                    ["user_id"] = o.UserId,
                    ["organization_id"] = o.OrganizationId,
                    ["status"] = type == "user.login" ? "ACTIVE" : "LOGGED_OUT",
                    ["device"] = new JsonObject { ["browser"] = "Firefox", ["os"] = "Linux", ["ip"] = "203.0.113.7" },
                },
            },
            _ when type.StartsWith("user.", StringComparison.Ordinal) => new JsonObject
            {
                ["organization"] = Organization(o, time, deleted: false),
                ["user"] = User(o),
                ["membership_status"] = type == "user.organization_invitation" ? "PENDING_INVITE" : "ACTIVE",
                ["roles"] = new JsonArray(new JsonObject { ["name"] = "admin", ["display_name"] = "Admin" }),
            },
            _ when type.StartsWith("role.", StringComparison.Ordinal) => new JsonObject
            {
                ["id"] = "role_62711500874219528",
                ["name"] = "billing_admin",
                ["display_name"] = "Billing admin",
                ["description"] = "Manages subscriptions and invoices",
                ["extends"] = "member",
            },
            _ when type.StartsWith("permission.", StringComparison.Ordinal) => new JsonObject
            {
                ["id"] = "perm_62711511208980488",
                ["name"] = "invoices:read",
                ["description"] = "Read invoices",
            },
            _ when type.StartsWith("connected_account.", StringComparison.Ordinal) => new JsonObject
            {
                ["id"] = "ca_62711529911018504",
                ["identifier"] = o.Email,
                ["connector"] = "gmail",
                ["provider"] = "google",
                ["status"] = type == "connected_account.token_refresh_failed" ? "EXPIRED" : "ACTIVE",
                ["authorization_type"] = "OAUTH",
                ["last_used_at"] = time,
            },
            _ => Organization(o, time, deleted: false),
        };
    }

    private static JsonObject Organization(SampleOptions o, string time, bool deleted)
    {
        var organization = new JsonObject
        {
            ["id"] = o.OrganizationId,
            ["display_name"] = "Acme Corp",
            ["external_id"] = o.ExternalId,
            ["region_code"] = "US",
            ["create_time"] = "2025-01-15T09:30:00.000Z",
            ["update_time"] = time,
            ["metadata"] = new JsonObject { ["tier"] = "gold" },
            ["settings"] = new JsonObject
            {
                ["features"] = new JsonArray(
                    new JsonObject { ["name"] = "sso", ["enabled"] = true },
                    new JsonObject { ["name"] = "dir_sync", ["enabled"] = false }),
            },
        };
        if (deleted)
        {
            organization["deleted_at"] = time;
        }

        return organization;
    }

    private static JsonObject DirectoryUser(SampleOptions o) => new()
    {
        ["id"] = o.DirectoryUserId,
        ["organization_id"] = o.OrganizationId,
        ["dp_id"] = "00u1a2b3c4d5e6f7g8h9",
        ["email"] = o.Email,
        ["active"] = true,
        ["name"] = "Ada Lovelace",
        ["given_name"] = "Ada",
        ["family_name"] = "Lovelace",
        ["preferred_username"] = "ada",
        ["roles"] = new JsonArray(new JsonObject { ["role_name"] = "engineer" }),
        ["groups"] = new JsonArray(new JsonObject { ["id"] = o.DirectoryGroupId, ["name"] = "Engineering" }),
        ["employee_id"] = "E-1001",
        ["department"] = "Engineering",
        ["title"] = "Staff Engineer",
        ["custom_attributes"] = new JsonObject { ["cost_center"] = "R&D" },
        ["raw_attributes"] = new JsonObject { ["userName"] = o.Email },
    };

    private static JsonObject User(SampleOptions o) => new()
    {
        ["id"] = o.UserId,
        ["email"] = o.Email,
        ["external_id"] = "app-user-42",
        ["metadata"] = new JsonObject { ["plan_seat"] = "yes" },
        ["user_profile"] = new JsonObject
        {
            ["given_name"] = "Ada",
            ["family_name"] = "Lovelace",
            ["name"] = "Ada Lovelace",
            ["email_verified"] = true,
        },
    };

    private static string ObjectName(string type) => type switch
    {
        _ when type.StartsWith("organization.directory.user", StringComparison.Ordinal) => "DirectoryUser",
        _ when type.StartsWith("organization.directory.group", StringComparison.Ordinal) => "DirectoryGroup",
        _ when type.StartsWith("organization.directory_", StringComparison.Ordinal) => "Directory",
        _ when type.StartsWith("organization.sso_", StringComparison.Ordinal) => "Connection",
        _ when type.StartsWith("organization.domain_", StringComparison.Ordinal) => "Domain",
        _ when type.StartsWith("organization.", StringComparison.Ordinal) => "Organization",
        _ when type.StartsWith("user.login", StringComparison.Ordinal) || type.StartsWith("user.logout", StringComparison.Ordinal) => "UserSession",
        _ when type.StartsWith("user.", StringComparison.Ordinal) => "OrgMembership",
        _ when type.StartsWith("role.", StringComparison.Ordinal) => "Role",
        _ when type.StartsWith("permission.", StringComparison.Ordinal) => "Permission",
        _ when type.StartsWith("connected_account.", StringComparison.Ordinal) => "ConnectedAccount",
        _ => "Unknown",
    };

    private static string DisplayName(string type) =>
        string.Join(' ', type.Replace('.', ' ').Replace('_', ' ').Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(word => char.ToUpperInvariant(word[0]) + word[1..]));
}
