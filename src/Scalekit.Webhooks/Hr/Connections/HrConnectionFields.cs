using System.Text.RegularExpressions;

namespace Scalekit.Webhooks.Hr.Connections;

/// <summary>A create request, read and validated: the fields its provider needs and the secrets it brings.</summary>
public sealed record HrConnectionRequest(string OrganizationId, HrProvider Provider)
{
    public string? CompanyDomain { get; init; }

    public string? CompanyId { get; init; }

    public string? ServiceUserId { get; init; }

    public string? EndUserOriginId { get; init; }

    /// <summary>The provider's webhook key (BambooHR private key, HiBob webhook secret); null for generic (generated) and Merge (one app setting).</summary>
    public string? WebhookSecret { get; init; }

    /// <summary>BambooHR API key or HiBob service user token.</summary>
    public string? ApiCredential { get; init; }
}

/// <summary>What is wrong with a request, naming the field.</summary>
public sealed record HrFieldProblem(string Field, string Detail);

/// <summary>
/// The request fields of each provider, as the operations API takes them, and their rules. Every field is a string;
/// an unknown or misplaced field is refused, naming it, so a typo never leaves a secret unset.
/// </summary>
public static partial class HrConnectionFields
{
    public const string CompanyDomain = "company_domain";
    public const string CompanyId = "company_id";
    public const string ApiKey = "api_key";
    public const string WebhookPrivateKey = "webhook_private_key";
    public const string ServiceUserId = "service_user_id";
    public const string ServiceUserToken = "service_user_token";
    public const string WebhookSecret = "webhook_secret";
    public const string EndUserOriginId = "end_user_origin_id";

    private const int MaxSecretLength = 1_000;
    private const int MaxTextLength = 200;

    /// <summary>The provider's name in requests and answers.</summary>
    public static string Name(HrProvider provider) => provider switch
    {
        HrProvider.BambooHr => "bamboohr",
        HrProvider.HiBob => "hibob",
        HrProvider.Merge => "merge",
        _ => "generic",
    };

    public static (HrConnectionRequest? Fields, HrFieldProblem? Problem) ReadCreate(IReadOnlyDictionary<string, string> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var organization = Value(fields, HrConnectionAdmin.OrganizationField);
        if (organization is null || !OrganizationPattern().IsMatch(organization))
        {
            return Fail(HrConnectionAdmin.OrganizationField, "organization_id is required: the Scalekit organization (org_…) every event of the connection acts on.");
        }

        if (!TryParseProvider(Value(fields, HrConnectionAdmin.ProviderField), out var provider))
        {
            return Fail(HrConnectionAdmin.ProviderField, "provider must be generic, bamboohr, hibob or merge.");
        }

        string[] allowed = provider switch
        {
            HrProvider.BambooHr => [CompanyDomain, CompanyId, ApiKey, WebhookPrivateKey],
            HrProvider.HiBob => [ServiceUserId, ServiceUserToken, WebhookSecret, CompanyId],
            HrProvider.Merge => [EndUserOriginId],
            _ => [],
        };
        if (Unexpected(fields, [HrConnectionAdmin.OrganizationField, HrConnectionAdmin.ProviderField, .. allowed], provider) is { } unexpected)
        {
            return (null, unexpected);
        }

        var request = new HrConnectionRequest(organization, provider);
        HrFieldProblem? problem;
        switch (provider)
        {
            case HrProvider.BambooHr:
                problem = Required(fields, CompanyDomain, DomainPattern(), "the company's BambooHR subdomain (the part before .bamboohr.com: lower-case letters, digits and '-')")
                    ?? Optional(fields, CompanyId, NumberPattern(), "BambooHR's numeric companyId (leave it out to record the first verified event's)")
                    ?? Secret(fields, ApiKey, "a BambooHR API key of a user who can read the employees")
                    ?? Secret(fields, WebhookPrivateKey, "the webhook's private key BambooHR showed when the webhook was made");
                request = request with { CompanyDomain = Value(fields, CompanyDomain), CompanyId = Value(fields, CompanyId), ApiCredential = Value(fields, ApiKey), WebhookSecret = Value(fields, WebhookPrivateKey) };
                break;
            case HrProvider.HiBob:
                problem = Required(fields, ServiceUserId, TextPattern(), "the HiBob service user's id")
                    ?? Secret(fields, ServiceUserToken, "the HiBob service user's token")
                    ?? Secret(fields, WebhookSecret, "the secret HiBob shows for the webhook")
                    ?? Required(fields, CompanyId, NumberPattern(), "HiBob's numeric companyId");
                request = request with { ServiceUserId = Value(fields, ServiceUserId), CompanyId = Value(fields, CompanyId), ApiCredential = Value(fields, ServiceUserToken), WebhookSecret = Value(fields, WebhookSecret) };
                break;
            case HrProvider.Merge:
                problem = Optional(fields, EndUserOriginId, TextPattern(), "the end_user_origin_id given to Merge for the customer's link token (default: the organization id)");
                request = request with { EndUserOriginId = Value(fields, EndUserOriginId) ?? organization };
                break;
            default:
                problem = null;
                break;
        }

        return problem is null ? (request, null) : (null, problem);
    }

    /// <summary>A rotation's new secrets: none for generic (generated), at least one of the provider's for BambooHR and HiBob.</summary>
    public static ((string? WebhookSecret, string? ApiCredential) Secrets, HrFieldProblem? Problem) ReadRotation(HrProvider provider, IReadOnlyDictionary<string, string> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var (webhookField, credentialField) = provider switch
        {
            HrProvider.BambooHr => (WebhookPrivateKey, ApiKey),
            HrProvider.HiBob => (WebhookSecret, ServiceUserToken),
            _ => ((string?)null, (string?)null),
        };
        if (provider == HrProvider.Merge)
        {
            return (default, new HrFieldProblem(HrConnectionAdmin.ProviderField, "A Merge connection has no secret of its own: Merge signs with the app setting MERGE_WEBHOOK_SIGNATURE_KEY."));
        }

        if (Unexpected(fields, [.. new[] { webhookField, credentialField }.OfType<string>()], provider) is { } unexpected)
        {
            return (default, unexpected);
        }

        if (webhookField is null || credentialField is null)
        {
            return ((null, null), null);
        }

        if (Value(fields, webhookField) is null && Value(fields, credentialField) is null)
        {
            return (default, new HrFieldProblem(webhookField, $"Send the new {webhookField}, the new {credentialField}, or both."));
        }

        var problem = (Value(fields, webhookField) is null ? null : Secret(fields, webhookField, "the new webhook key"))
            ?? (Value(fields, credentialField) is null ? null : Secret(fields, credentialField, "the new API credential"));
        return problem is null ? ((Value(fields, webhookField), Value(fields, credentialField)), null) : (default, problem);
    }

    private static bool TryParseProvider(string? name, out HrProvider provider)
    {
        provider = name switch
        {
            "generic" => HrProvider.Generic,
            "bamboohr" => HrProvider.BambooHr,
            "hibob" => HrProvider.HiBob,
            "merge" => HrProvider.Merge,
            _ => (HrProvider)(-1),
        };
        return Enum.IsDefined(provider);
    }

    private static HrFieldProblem? Unexpected(IReadOnlyDictionary<string, string> fields, IReadOnlyCollection<string> allowed, HrProvider provider)
    {
        var unexpected = fields.Keys.Where(key => !allowed.Contains(key)).Order(StringComparer.Ordinal).FirstOrDefault();
        return unexpected is null ? null : new HrFieldProblem(unexpected, provider == HrProvider.Generic && allowed.Count <= 2
            ? $"{unexpected} is not taken for a {Name(provider)} connection: its signing secret is generated and returned once."
            : $"{unexpected} is not a field of a {Name(provider)} connection{(allowed.Count == 0 ? "" : $" (its fields: {string.Join(", ", allowed)})")}.");
    }

    private static HrFieldProblem? Required(IReadOnlyDictionary<string, string> fields, string field, Regex pattern, string what) =>
        Value(fields, field) is { } value && pattern.IsMatch(value) ? null : new HrFieldProblem(field, $"{field} is required: {what}.");

    private static HrFieldProblem? Optional(IReadOnlyDictionary<string, string> fields, string field, Regex pattern, string what) =>
        Value(fields, field) is not { } value || pattern.IsMatch(value) ? null : new HrFieldProblem(field, $"{field} must be {what}.");

    private static HrFieldProblem? Secret(IReadOnlyDictionary<string, string> fields, string field, string what) =>
        Value(fields, field) is { Length: <= MaxSecretLength } value && !value.Any(char.IsControl) && !value.Any(char.IsWhiteSpace)
            ? null
            : new HrFieldProblem(field, $"{field} is required: {what} (at most {MaxSecretLength} characters, no spaces).");

    private static string? Value(IReadOnlyDictionary<string, string> fields, string field) =>
        fields.TryGetValue(field, out var value) && value.Trim() is { Length: > 0 } trimmed ? trimmed : null;

    private static (HrConnectionRequest?, HrFieldProblem?) Fail(string field, string detail) => (null, new HrFieldProblem(field, detail));

    [GeneratedRegex("^org_[A-Za-z0-9_-]{1,100}$")]
    private static partial Regex OrganizationPattern();

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex DomainPattern();

    [GeneratedRegex("^[0-9]{1,20}$")]
    private static partial Regex NumberPattern();

    [GeneratedRegex(@"^[\x21-\x7E]{1,200}$")]
    private static partial Regex TextPattern();
}
