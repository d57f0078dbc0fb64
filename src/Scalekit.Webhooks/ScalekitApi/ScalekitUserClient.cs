using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json;
using Microsoft.Extensions.Options;


namespace Scalekit.Webhooks.ScalekitApi;

/// <summary>
/// Typed client for Scalekit's user and membership API (<c>shared/spec/scalekit-users.md</c>). It shares the token
/// cache, HTTP client and resilience pipeline of every Scalekit client. Lookups answer null for a 404; other errors
/// throw <see cref="ScalekitApiException"/>.
/// </summary>
public sealed class ScalekitUserClient(IHttpClientFactory httpClients, IOptions<ScalekitOptions> options, ScalekitTokenCache tokens)
    : ScalekitApiClient(httpClients, options, tokens)
{
    /// <summary>Creates a user with a membership in <paramref name="organizationId"/>.</summary>
    public async Task<ScalekitUser> CreateUserAsync(string organizationId, ScalekitNewUser user, bool sendInvitationEmail, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        using var document = await SendAsync(HttpMethod.Post, $"api/v1/organizations/{Segment(organizationId, "organization_id")}/users?send_invitation_email={Flag(sendInvitationEmail)}", user.ToJson(), cancellationToken).ConfigureAwait(false);
        return ScalekitUser.FromResponse(document.RootElement);
    }

    public Task<ScalekitUser?> GetUserAsync(string userId, CancellationToken cancellationToken = default) =>
        FindAsync($"api/v1/users/{Segment(userId, "user_id")}", cancellationToken);

    /// <summary>The user whose <c>external_id</c> is <paramref name="externalId"/>, or null.</summary>
    public Task<ScalekitUser?> FindUserByExternalIdAsync(string externalId, CancellationToken cancellationToken = default) =>
        FindAsync($"api/v1/users:external/{Segment(externalId, "external_id")}", cancellationToken);

    /// <summary>One page (1–100 users) of an organization's users.</summary>
    public async Task<ScalekitUserPage> ListOrganizationUsersAsync(string organizationId, int pageSize = 100, string? pageToken = null, CancellationToken cancellationToken = default)
    {
        var query = $"page_size={Math.Clamp(pageSize, 1, 100).ToString(CultureInfo.InvariantCulture)}{(string.IsNullOrEmpty(pageToken) ? string.Empty : "&page_token=" + Uri.EscapeDataString(pageToken))}";
        using var document = await SendAsync(HttpMethod.Get, $"api/v1/organizations/{Segment(organizationId, "organization_id")}/users?{query}", null, cancellationToken).ConfigureAwait(false);
        return Page(document.RootElement);
    }

    /// <summary>Users of an organization whose email, id or external id matches <paramref name="query"/> (3–100 characters).</summary>
    public async Task<IReadOnlyList<ScalekitUser>> SearchOrganizationUsersAsync(string organizationId, string query, CancellationToken cancellationToken = default)
    {
        using var document = await SendAsync(HttpMethod.Get, $"api/v1/organizations/{Segment(organizationId, "organization_id")}/users:search?query={Uri.EscapeDataString(query)}&page_size=30", null, cancellationToken).ConfigureAwait(false);
        return Page(document.RootElement).Users;
    }

    /// <summary>Updates external id, metadata (the whole map) and profile; fields left null are not sent.</summary>
    public async Task<ScalekitUser> UpdateUserAsync(string userId, ScalekitUserUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        using var document = await SendAsync(HttpMethod.Patch, $"api/v1/users/{Segment(userId, "user_id")}", update.ToJson(), cancellationToken).ConfigureAwait(false);
        return ScalekitUser.FromResponse(document.RootElement);
    }

    /// <summary>Adds an existing user to an organization with <paramref name="roles"/> (none: Scalekit's default role).</summary>
    public async Task CreateMembershipAsync(string organizationId, string userId, IReadOnlyList<string> roles, bool sendInvitationEmail, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject();
        if (roles.Count > 0)
        {
            body["roles"] = RolesJson(roles);
        }

        using var unused = await SendAsync(HttpMethod.Post, $"api/v1/memberships/organizations/{Segment(organizationId, "organization_id")}/users/{Segment(userId, "user_id")}?send_invitation_email={Flag(sendInvitationEmail)}", body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Replaces the roles of a user's membership.</summary>
    public async Task UpdateMembershipRolesAsync(string organizationId, string userId, IReadOnlyList<string> roles, CancellationToken cancellationToken = default)
    {
        using var unused = await SendAsync(HttpMethod.Patch, $"api/v1/memberships/organizations/{Segment(organizationId, "organization_id")}/users/{Segment(userId, "user_id")}", new JsonObject { ["roles"] = RolesJson(roles) }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the user from the organization. Scalekit deletes a user whose last membership is removed.</summary>
    public async Task DeleteMembershipAsync(string organizationId, string userId, CancellationToken cancellationToken = default)
    {
        using var unused = await SendAsync(HttpMethod.Delete, $"api/v1/memberships/organizations/{Segment(organizationId, "organization_id")}/users/{Segment(userId, "user_id")}", null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends every active session of the user (there is no suspend call: this and metadata are how access is cut without deleting).</summary>
    public async Task RevokeSessionsAsync(string userId, CancellationToken cancellationToken = default)
    {
        using var unused = await SendAsync(HttpMethod.Post, $"api/v1/users/{Segment(userId, "user_id")}/sessions/revoke", new JsonObject(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the user from every organization.</summary>
    public async Task DeleteUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        using var unused = await SendAsync(HttpMethod.Delete, $"api/v1/users/{Segment(userId, "user_id")}", null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Roles are objects on the wire: <c>[{"name": "admin"}]</c>.</summary>
    internal static JsonArray RolesJson(IReadOnlyList<string> roles) => new([.. roles.Select(role => (JsonNode)new JsonObject { ["name"] = role })]);

    private async Task<ScalekitUser?> FindAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            using var document = await SendAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
            return ScalekitUser.FromResponse(document.RootElement);
        }
        catch (ScalekitNotFoundException)
        {
            return null;
        }
    }

    private static ScalekitUserPage Page(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new ScalekitMalformedAnswerException("the user list is not an object");
        }

        var users = body.TryGetProperty("users", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(ScalekitUser.FromJson).ToList()
            : [];
        var next = body.TryGetProperty("next_page_token", out var token) && token.ValueKind == JsonValueKind.String && token.GetString() is { Length: > 0 } value ? value : null;
        return new ScalekitUserPage(users, next);
    }

    private static string Flag(bool value) => value ? "true" : "false";
}
