using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Column = Scalekit.Webhooks.State.ReadModelColumns;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;


namespace Scalekit.Webhooks.Scalekit;

/// <summary>
/// Turns each of Scalekit's event types into the read-model rows it changes. Pure: no I/O, so every type is tested
/// on its own. Tokens, magic links and raw secrets in payloads are never copied.
/// </summary>
public static class ScalekitEventMapper
{
    private static readonly Dictionary<string, Func<JsonElement, string?, ScalekitEventPlan>> Handlers = new(StringComparer.Ordinal)
    {
        ["organization.created"] = (data, _) => Organization(data, deleted: false),
        ["organization.updated"] = (data, _) => Organization(data, deleted: false),
        ["organization.deleted"] = (data, _) => Organization(data, deleted: true),
        ["organization.domain_created"] = (data, org) => Domain(data, org, deleted: false),
        ["organization.domain_deleted"] = (data, org) => Domain(data, org, deleted: true),
        ["organization.domain_dns_verification_success"] = (data, org) => Domain(data, org, deleted: false),
        ["organization.domain_dns_verification_failed"] = (data, org) => Domain(data, org, deleted: false),
        ["organization.sso_created"] = (data, org) => Sso(data, org, deleted: false),
        ["organization.sso_enabled"] = (data, org) => Sso(data, org, deleted: false, enabled: true),
        ["organization.sso_disabled"] = (data, org) => Sso(data, org, deleted: false, enabled: false),
        ["organization.sso_deleted"] = (data, org) => Sso(data, org, deleted: true),
        ["organization.directory_enabled"] = (data, org) => Directory(data, org, enabled: true),
        ["organization.directory_disabled"] = (data, org) => Directory(data, org, enabled: false),
        ["organization.directory.user_created"] = (data, org) => DirectoryUser(data, org),
        ["organization.directory.user_updated"] = (data, org) => DirectoryUser(data, org),
        ["organization.directory.user_deleted"] = (data, org) => DirectoryUserDeleted(data, org),
        ["organization.directory.group_created"] = (data, org) => DirectoryGroup(data, org, deleted: false),
        ["organization.directory.group_updated"] = (data, org) => DirectoryGroup(data, org, deleted: false),
        ["organization.directory.group_deleted"] = (data, org) => DirectoryGroup(data, org, deleted: true),
        ["user.signup"] = (data, org) => Membership(data, org, deleted: false),
        ["user.organization_invitation"] = (data, org) => Membership(data, org, deleted: false),
        ["user.organization_membership_created"] = (data, org) => Membership(data, org, deleted: false),
        ["user.organization_membership_updated"] = (data, org) => Membership(data, org, deleted: false),
        ["user.organization_membership_deleted"] = (data, org) => Membership(data, org, deleted: true),
        ["user.login"] = (data, _) => Session(data, loggedIn: true),
        ["user.logout"] = (data, _) => Session(data, loggedIn: false),
        ["role.created"] = (data, _) => Role(data, deleted: false),
        ["role.updated"] = (data, _) => Role(data, deleted: false),
        ["role.deleted"] = (data, _) => Role(data, deleted: true),
        ["permission.created"] = (data, _) => Permission(data, deleted: false),
        ["permission.updated"] = (data, _) => Permission(data, deleted: false),
        ["permission.deleted"] = (data, _) => Permission(data, deleted: true),
        ["connected_account.created"] = (data, _) => ConnectedAccount(data, deleted: false),
        ["connected_account.updated"] = (data, _) => ConnectedAccount(data, deleted: false),
        ["connected_account.status_updated"] = (data, _) => ConnectedAccount(data, deleted: false),
        ["connected_account.deleted"] = (data, _) => ConnectedAccount(data, deleted: true),
        ["connected_account.magic_link_generated"] = (data, _) => ConnectedAccount(data, deleted: false),
        ["connected_account.oauth_tokens_fetched"] = (data, _) => ConnectedAccount(data, deleted: false),
        ["connected_account.token_refresh_succeeded"] = (data, _) => ConnectedAccount(data, deleted: false),
        ["connected_account.token_refresh_failed"] = (data, _) => ConnectedAccount(data, deleted: false),
        ["connected_account.oauth_succeeded"] = (data, _) => ConnectedAccount(data, deleted: false),
    };

    /// <summary>The event types that change state; any other type is recorded as ignored.</summary>
    public static IReadOnlyCollection<string> HandledTypes => Handlers.Keys;

    /// <summary>Plans the changes of one event, or says what the event lacks; unknown types give <see cref="ScalekitEventPlan.Ignored"/>.</summary>
    public static bool TryMap(JsonElement root, [NotNullWhen(true)] out ScalekitEventPlan? plan, out string problem)
    {
        try
        {
            plan = Map(root);
            problem = string.Empty;
            return true;
        }
        catch (FormatException ex)
        {
            plan = null;
            problem = ex.Message;
            return false;
        }
    }

    /// <summary>Plans the changes of one event; throws <see cref="FormatException"/> naming what a handled event lacks.</summary>
    public static ScalekitEventPlan Map(JsonElement root)
    {
        var type = Text(root, "type") ?? throw new FormatException("The event has no 'type'.");
        if (!Handlers.TryGetValue(type, out var handler) || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
        {
            return ScalekitEventPlan.Ignored;
        }

        return handler(data, Text(root, "organization_id"));
    }

    private static ScalekitEventPlan Organization(JsonElement data, bool deleted)
    {
        var id = Required(data, "id");
        var properties = Props(
            (Column.DisplayName, Text(data, "display_name")),
            (Column.ExternalId, Text(data, "external_id")),
            (Column.RegionCode, Text(data, "region_code")),
            (Column.CreateTime, Text(data, "create_time")),
            (Column.UpdateTime, Text(data, "update_time")),
            (Column.Metadata, Json(data, "metadata")),
            (Column.Features, Features(data)));
        if (deleted && Text(data, "deleted_at") is { } deletedAt)
        {
            properties[StateStore.DeletedAt] = deletedAt;
        }

        var changes = new List<StateChange> { new(StateTables.Organizations, id, id, properties, deleted) };
        if (Text(data, "external_id") is { } externalId && !deleted)
        {
            // Seeds the Stripe customer → organization link, so billing sync can skip the lookup.
            changes.Add(new StateChange(StateTables.OrganizationLinks, externalId, externalId, Props((Column.OrganizationId, id))));
        }

        return new ScalekitEventPlan(changes);
    }

    private static ScalekitEventPlan Domain(JsonElement data, string? org, bool deleted)
    {
        var organizationId = OrgOf(data, org);
        var id = Required(data, "id");
        var domain = Text(data, "domain");
        var changes = new List<StateChange>
        {
            new(StateTables.OrganizationDomains, organizationId, id, Props(
                (Column.Domain, domain),
                (Column.DomainType, Text(data, "domain_type")),
                (Column.VerificationStatus, Text(data, "verification_status")),
                (Column.VerificationMethod, Text(data, "verification_method")),
                (Column.UpdatedAt, Text(data, "updated_at"))), deleted),
        };
        if (domain is not null)
        {
            // The domain → organization index, so finding an employee's organization by email domain reads one partition.
            changes.Add(new StateChange(StateTables.DomainOrganizations, domain.ToLowerInvariant(), id, Props(
                (Column.OrganizationId, organizationId),
                (Column.VerificationStatus, Text(data, "verification_status"))), deleted));
        }

        return new ScalekitEventPlan(changes);
    }

    private static ScalekitEventPlan Sso(JsonElement data, string? org, bool deleted, bool? enabled = null) => Single(StateTables.SsoConnections, OrgOf(data, org), Required(data, "id"), deleted,
        (Column.ConnectionType, Text(data, "connection_type")),
        (Column.Provider, Text(data, "provider")),
        (Column.Enabled, enabled ?? Bool(data, "enabled")),
        (Column.Status, Text(data, "status")));

    private static ScalekitEventPlan Directory(JsonElement data, string? org, bool enabled) => Single(StateTables.Directories, OrgOf(data, org), Required(data, "id"), false,
        (Column.DirectoryType, Text(data, "directory_type")),
        (Column.Provider, Text(data, "provider")),
        (Column.Enabled, Bool(data, "enabled") ?? enabled),
        (Column.UpdatedAt, Text(data, "updated_at")));

    private static ScalekitEventPlan DirectoryUser(JsonElement data, string? org)
    {
        var organizationId = OrgOf(data, org);
        var id = Required(data, "id");
        var groups = data.TryGetProperty("groups", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(g => Text(g, "id")).OfType<string>().ToList()
            : [];
        var change = new StateChange(StateTables.DirectoryUsers, organizationId, id, Props(
            (Column.DpId, Text(data, "dp_id")),
            (Column.Email, Text(data, "email")),
            (Column.Active, Bool(data, "active")),
            (Column.Name, Text(data, "name")),
            (Column.GivenName, Text(data, "given_name")),
            (Column.FamilyName, Text(data, "family_name")),
            (Column.PreferredUsername, Text(data, "preferred_username")),
            (Column.Roles, Json(data, "roles")),
            (Column.Groups, Json(data, "groups")),
            (Column.EmployeeId, Text(data, "employee_id")),
            (Column.Department, Text(data, "department")),
            (Column.Title, Text(data, "title")),
            (Column.Manager, Text(data, "manager")),
            (Column.CostCenter, Text(data, "cost_center")),
            (Column.Division, Text(data, "division")),
            (Column.Organization, Text(data, "organization")),
            (Column.CustomAttributes, Json(data, "custom_attributes"))));
        return new ScalekitEventPlan([change], new GroupMembershipChange(organizationId, id, groups, UserDeleted: false));
    }

    private static ScalekitEventPlan DirectoryUserDeleted(JsonElement data, string? org)
    {
        var organizationId = OrgOf(data, org);
        var id = Required(data, "id");
        var change = new StateChange(StateTables.DirectoryUsers, organizationId, id, Props((Column.Email, Text(data, "email")), (Column.Active, false)), SoftDelete: true);
        return new ScalekitEventPlan([change], new GroupMembershipChange(organizationId, id, [], UserDeleted: true));
    }

    private static ScalekitEventPlan DirectoryGroup(JsonElement data, string? org, bool deleted) => Single(StateTables.DirectoryGroups, OrgOf(data, org), Required(data, "id"), deleted,
        (Column.DirectoryId, Text(data, "directory_id")),
        (Column.DisplayName, Text(data, "display_name")),
        (Column.ExternalId, Text(data, "external_id")),
        (Column.DpId, Text(data, "dp_id")));

    private static ScalekitEventPlan Membership(JsonElement data, string? org, bool deleted)
    {
        var user = Child(data, "user");
        var userId = Required(user, "id");
        var organizationId = data.TryGetProperty("organization", out var organization) && organization.ValueKind == JsonValueKind.Object
            ? Text(organization, "id") ?? org
            : org;
        var profile = user.TryGetProperty("user_profile", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        var changes = new List<StateChange>
        {
            new(StateTables.Users, userId, userId, Props(
                (Column.Email, Text(user, "email")),
                (Column.ExternalId, Text(user, "external_id")),
                (Column.Metadata, Json(user, "metadata")),
                (Column.GivenName, profile.ValueKind == JsonValueKind.Object ? Text(profile, "given_name") : null),
                (Column.FamilyName, profile.ValueKind == JsonValueKind.Object ? Text(profile, "family_name") : null),
                (Column.Name, profile.ValueKind == JsonValueKind.Object ? Text(profile, "name") : null))),
        };
        if (organizationId is not null)
        {
            changes.Add(new StateChange(StateTables.Memberships, organizationId, userId, Props(
                (Column.Email, Text(user, "email")),
                (Column.MembershipStatus, Text(data, "membership_status") ?? (deleted ? "DELETED" : "ACTIVE")),
                (Column.Roles, Json(data, "roles"))), deleted));
        }

        return new ScalekitEventPlan(changes);
    }

    private static ScalekitEventPlan Session(JsonElement data, bool loggedIn)
    {
        var session = Child(data, "user_session");
        var userId = Text(session, "user_id") ?? Required(Child(data, "user"), "id");
        return Single(StateTables.UserSessions, userId, Required(session, "session_id"), false,
            (Column.OrganizationId, Text(session, "organization_id")),
            (Column.Status, Text(session, "status") ?? (loggedIn ? "ACTIVE" : "LOGGED_OUT")),
            (Column.LoggedIn, loggedIn),
            (Column.Device, Json(session, "device")));
    }

    private static ScalekitEventPlan Role(JsonElement data, bool deleted) => Single(StateTables.Roles, Text(data, "name") ?? Required(data, "id"), deleted,
        (Column.RoleId, Text(data, "id")),
        (Column.DisplayName, Text(data, "display_name")),
        (Column.Description, Text(data, "description")),
        (Column.Extends, Text(data, "extends")));

    private static ScalekitEventPlan Permission(JsonElement data, bool deleted) => Single(StateTables.Permissions, Text(data, "name") ?? Required(data, "id"), deleted,
        (Column.PermissionId, Text(data, "id")),
        (Column.Description, Text(data, "description")));

    // Status only: tokens, authorization details and magic links in these payloads are deliberately not read.
    private static ScalekitEventPlan ConnectedAccount(JsonElement data, bool deleted) => Single(StateTables.ConnectedAccounts, Required(data, "id"), deleted,
        (Column.Identifier, Text(data, "identifier")),
        (Column.Connector, Text(data, "connector")),
        (Column.Provider, Text(data, "provider")),
        (Column.Status, Text(data, "status")),
        (Column.AuthorizationType, Text(data, "authorization_type")),
        (Column.LastUsedAt, Text(data, "last_used_at")));

    private static ScalekitEventPlan Single(string table, string partition, string row, bool deleted, params (string Name, object? Value)[] properties) =>
        new([new StateChange(table, partition, row, Props(properties), deleted)]);

    /// <summary>A row with no other owner lives in a partition of its own, so no table has one hot partition.</summary>
    private static ScalekitEventPlan Single(string table, string id, bool deleted, params (string Name, object? Value)[] properties) =>
        Single(table, id, id, deleted, properties);

    private static Dictionary<string, object?> Props(params (string Name, object? Value)[] properties) =>
        properties.ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);

    private static string OrgOf(JsonElement data, string? envelopeOrganization) =>
        Text(data, "organization_id") ?? envelopeOrganization ?? throw new FormatException("The event names no organization_id.");

    private static string Required(JsonElement element, string name) =>
        Text(element, name) ?? throw new FormatException($"The event's data has no '{name}'.");

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The object <paramref name="name"/> of <paramref name="element"/>, or an undefined element that reads as empty.</summary>
    private static JsonElement Child(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : default;

    private static bool? Bool(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;

    private static string? Json(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.Object or JsonValueKind.Array ? value.GetRawText() : null;

    private static string? Features(JsonElement organization) =>
        organization.ValueKind == JsonValueKind.Object && organization.TryGetProperty("settings", out var settings) && settings.ValueKind == JsonValueKind.Object ? Json(settings, "features") : null;
}
