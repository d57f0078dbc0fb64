using System.Text.Json.Nodes;
using System.Text.Json;


namespace Scalekit.Webhooks.ScalekitApi;

/// <summary>A user's name in Scalekit (<c>user_profile</c>).</summary>
public sealed record ScalekitUserProfile(string? GivenName, string? FamilyName, string? Name = null)
{
    internal JsonObject ToJson()
    {
        var json = new JsonObject();
        Add(json, "given_name", GivenName);
        Add(json, "family_name", FamilyName);
        Add(json, "name", Name ?? (GivenName is null && FamilyName is null ? null : string.Join(' ', new[] { GivenName, FamilyName }.OfType<string>())));
        return json;
    }

    internal static void Add(JsonObject json, string name, string? value)
    {
        if (value is not null)
        {
            json[name] = value;
        }
    }
}

/// <summary>A user's membership in one organization.</summary>
public sealed record ScalekitMembership(string OrganizationId, string? Status, IReadOnlyList<string> Roles, IReadOnlyDictionary<string, string> Metadata);

/// <summary>A Scalekit user as the API returns it (<c>{"user": {...}}</c>).</summary>
public sealed record ScalekitUser(
    string Id,
    string? Email,
    string? ExternalId,
    IReadOnlyDictionary<string, string> Metadata,
    ScalekitUserProfile Profile,
    IReadOnlyList<ScalekitMembership> Memberships)
{
    /// <summary>Scalekit's limit on user (and membership) metadata pairs.</summary>
    public const int MaxMetadataPairs = 20;

    public ScalekitMembership? MembershipIn(string organizationId) =>
        Memberships.FirstOrDefault(m => string.Equals(m.OrganizationId, organizationId, StringComparison.Ordinal));

    /// <summary>Reads <c>{"user": {...}}</c> or a bare user object.</summary>
    public static ScalekitUser FromResponse(JsonElement body) =>
        FromJson(body.ValueKind == JsonValueKind.Object && body.TryGetProperty("user", out var inner) ? inner : body);

    public static ScalekitUser FromJson(JsonElement user)
    {
        if (user.ValueKind != JsonValueKind.Object || Text(user, "id") is not { } id)
        {
            throw new ScalekitMalformedAnswerException("the user has no 'id'");
        }

        var profile = user.TryGetProperty("user_profile", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        var memberships = user.TryGetProperty("memberships", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Where(m => Text(m, "organization_id") is not null).Select(m => new ScalekitMembership(
                Text(m, "organization_id")!,
                Text(m, "membership_status"),
                m.TryGetProperty("roles", out var roles) && roles.ValueKind == JsonValueKind.Array
                    ? [.. roles.EnumerateArray().Select(r => r.ValueKind == JsonValueKind.String ? r.GetString() : Text(r, "name")).OfType<string>()]
                    : [],
                Map(m, "metadata"))).ToList()
            : [];
        return new ScalekitUser(
            id,
            Text(user, "email"),
            Text(user, "external_id"),
            Map(user, "metadata"),
            new ScalekitUserProfile(
                Text(profile, "given_name") ?? Text(profile, "first_name"),
                Text(profile, "family_name") ?? Text(profile, "last_name"),
                Text(profile, "name")),
            memberships);
    }

    /// <summary>Null when <paramref name="metadata"/> is within Scalekit's limits for users, else what is wrong.</summary>
    public static string? ValidateMetadata(IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.Count > MaxMetadataPairs)
        {
            return $"user metadata would hold {metadata.Count} pairs; Scalekit allows at most {MaxMetadataPairs} (keys: {string.Join(", ", metadata.Keys.Order(StringComparer.Ordinal))})";
        }

        foreach (var (key, value) in metadata)
        {
            if (key.Length is < 3 or > 25)
            {
                return $"user metadata key '{key}' has {key.Length} characters; Scalekit allows 3 to 25";
            }

            if (value.Length is < 1 or > 256)
            {
                return $"user metadata value of '{key}' has {value.Length} characters; Scalekit allows 1 to 256";
            }
        }

        return null;
    }

    private static Dictionary<string, string> Map(JsonElement element, string name)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object)
        {
            foreach (var pair in value.EnumerateObject())
            {
                map[pair.Name] = pair.Value.ValueKind == JsonValueKind.String ? pair.Value.GetString()! : pair.Value.GetRawText();
            }
        }

        return map;
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>What to create: a user with a membership in one organization.</summary>
public sealed record ScalekitNewUser(string Email, string? ExternalId, IReadOnlyDictionary<string, string> Metadata, ScalekitUserProfile? Profile, IReadOnlyList<string> Roles)
{
    /// <summary>The request body, not wrapped, as Scalekit expects it.</summary>
    public JsonObject ToJson()
    {
        var membership = new JsonObject();
        if (Roles.Count > 0)
        {
            membership["roles"] = ScalekitUserClient.RolesJson(Roles);
        }

        var json = new JsonObject { ["email"] = Email };
        ScalekitUserProfile.Add(json, "external_id", ExternalId);
        json["metadata"] = new JsonObject([.. Metadata.Select(pair => KeyValuePair.Create(pair.Key, (JsonNode?)pair.Value))]);
        json["membership"] = membership;
        if (Profile is not null)
        {
            json["user_profile"] = Profile.ToJson();
        }

        return json;
    }
}

/// <summary>What to change on a user; null fields are left as they are. Metadata replaces the whole map.</summary>
public sealed record ScalekitUserUpdate(string? ExternalId = null, IReadOnlyDictionary<string, string>? Metadata = null, ScalekitUserProfile? Profile = null)
{
    public JsonObject ToJson()
    {
        var json = new JsonObject();
        ScalekitUserProfile.Add(json, "external_id", ExternalId);
        if (Metadata is not null)
        {
            json["metadata"] = new JsonObject([.. Metadata.Select(pair => KeyValuePair.Create(pair.Key, (JsonNode?)pair.Value))]);
        }

        if (Profile is not null)
        {
            json["user_profile"] = Profile.ToJson();
        }

        return json;
    }
}

/// <summary>One page of users and the token of the next page (null on the last one).</summary>
public sealed record ScalekitUserPage(IReadOnlyList<ScalekitUser> Users, string? NextPageToken);
