using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Scalekit.Webhooks.State;


namespace Scalekit.Webhooks.Scalekit;

/// <summary>
/// Turns each of Scalekit's event types into the read-model changes it makes (typed; each store knows its rows). Pure: no I/O, so every type is tested
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
        var externalId = Text(data, "external_id");
        var organization = new OrganizationChange(
            id,
            Text(data, "display_name"),
            externalId,
            Text(data, "region_code"),
            Text(data, "create_time"),
            Text(data, "update_time"),
            Json(data, "metadata"),
            Features(data),
            deleted,
            deleted ? Text(data, "deleted_at") : null);
        return externalId is not null && !deleted
            // Seeds the Stripe customer → organization link, so billing sync can skip the lookup.
            ? new ScalekitEventPlan([organization, new OrganizationLinkChange(externalId, id)])
            : new ScalekitEventPlan([organization]);
    }

    private static ScalekitEventPlan Domain(JsonElement data, string? org, bool deleted)
    {
        var organizationId = OrgOf(data, org);
        var id = Required(data, "id");
        var domain = Text(data, "domain");
        var status = Text(data, "verification_status");
        var change = new DomainChange(organizationId, id, domain, Text(data, "domain_type"), status, Text(data, "verification_method"), Text(data, "updated_at"), deleted);
        return domain is not null
            // The domain → organization index, so finding an employee's organization by email domain reads one partition.
            ? new ScalekitEventPlan([change, new DomainIndexChange(domain, id, organizationId, status, deleted)])
            : new ScalekitEventPlan([change]);
    }

    private static ScalekitEventPlan Sso(JsonElement data, string? org, bool deleted, bool? enabled = null) => Single(new SsoConnectionChange(
        OrgOf(data, org), Required(data, "id"), Text(data, "connection_type"), Text(data, "provider"), enabled ?? Bool(data, "enabled"), Text(data, "status"), deleted));

    private static ScalekitEventPlan Directory(JsonElement data, string? org, bool enabled) => Single(new DirectoryChange(
        OrgOf(data, org), Required(data, "id"), Text(data, "directory_type"), Text(data, "provider"), Bool(data, "enabled") ?? enabled, Text(data, "updated_at")));

    private static ScalekitEventPlan DirectoryUser(JsonElement data, string? org)
    {
        var organizationId = OrgOf(data, org);
        var id = Required(data, "id");
        var groups = data.TryGetProperty("groups", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(g => Text(g, "id")).OfType<string>().ToList()
            : [];
        var change = new DirectoryUserChange(
            organizationId,
            id,
            DpId: Text(data, "dp_id"),
            Email: Text(data, "email"),
            Active: Bool(data, "active"),
            Name: Text(data, "name"),
            GivenName: Text(data, "given_name"),
            FamilyName: Text(data, "family_name"),
            PreferredUsername: Text(data, "preferred_username"),
            Roles: Json(data, "roles"),
            Groups: Json(data, "groups"),
            EmployeeId: Text(data, "employee_id"),
            Department: Text(data, "department"),
            Title: Text(data, "title"),
            Manager: Text(data, "manager"),
            CostCenter: Text(data, "cost_center"),
            Division: Text(data, "division"),
            Organization: Text(data, "organization"),
            CustomAttributes: Json(data, "custom_attributes"));
        return new ScalekitEventPlan([change], new GroupMembershipChange(organizationId, id, groups, UserDeleted: false));
    }

    private static ScalekitEventPlan DirectoryUserDeleted(JsonElement data, string? org)
    {
        var organizationId = OrgOf(data, org);
        var id = Required(data, "id");
        return new ScalekitEventPlan([new DirectoryUserRemoval(organizationId, id, Text(data, "email"))], new GroupMembershipChange(organizationId, id, [], UserDeleted: true));
    }

    private static ScalekitEventPlan DirectoryGroup(JsonElement data, string? org, bool deleted) => Single(new DirectoryGroupChange(
        OrgOf(data, org), Required(data, "id"), Text(data, "directory_id"), Text(data, "display_name"), Text(data, "external_id"), Text(data, "dp_id"), deleted));

    private static ScalekitEventPlan Membership(JsonElement data, string? org, bool deleted)
    {
        var user = Child(data, "user");
        var userId = Required(user, "id");
        var organizationId = data.TryGetProperty("organization", out var organization) && organization.ValueKind == JsonValueKind.Object
            ? Text(organization, "id") ?? org
            : org;
        var profile = user.TryGetProperty("user_profile", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        var userChange = new UserChange(
            userId,
            Text(user, "email"),
            Text(user, "external_id"),
            Json(user, "metadata"),
            profile.ValueKind == JsonValueKind.Object ? Text(profile, "given_name") : null,
            profile.ValueKind == JsonValueKind.Object ? Text(profile, "family_name") : null,
            profile.ValueKind == JsonValueKind.Object ? Text(profile, "name") : null);
        if (organizationId is null)
        {
            return new ScalekitEventPlan([userChange]);
        }

        return new ScalekitEventPlan([userChange, new MembershipChange(
            organizationId, userId, Text(user, "email"), Text(data, "membership_status") ?? (deleted ? "DELETED" : "ACTIVE"), Json(data, "roles"), deleted)]);
    }

    private static ScalekitEventPlan Session(JsonElement data, bool loggedIn)
    {
        var session = Child(data, "user_session");
        var userId = Text(session, "user_id") ?? Required(Child(data, "user"), "id");
        return Single(new UserSessionChange(
            userId, Required(session, "session_id"), Text(session, "organization_id"), Text(session, "status") ?? (loggedIn ? "ACTIVE" : "LOGGED_OUT"), loggedIn, Json(session, "device")));
    }

    /// <summary>A row with no other owner lives in a partition of its own (keyed here by name), so no table has one hot partition.</summary>
    private static ScalekitEventPlan Role(JsonElement data, bool deleted) => Single(new RoleChange(
        Text(data, "name") ?? Required(data, "id"), Text(data, "id"), Text(data, "display_name"), Text(data, "description"), Text(data, "extends"), deleted));

    private static ScalekitEventPlan Permission(JsonElement data, bool deleted) => Single(new PermissionChange(
        Text(data, "name") ?? Required(data, "id"), Text(data, "id"), Text(data, "description"), deleted));

    // Status only: tokens, authorization details and magic links in these payloads are deliberately not read.
    private static ScalekitEventPlan ConnectedAccount(JsonElement data, bool deleted) => Single(new ConnectedAccountChange(
        Required(data, "id"), Text(data, "identifier"), Text(data, "connector"), Text(data, "provider"), Text(data, "status"), Text(data, "authorization_type"), Text(data, "last_used_at"), deleted));

    private static ScalekitEventPlan Single(ReadModelChange change) => new([change]);

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
