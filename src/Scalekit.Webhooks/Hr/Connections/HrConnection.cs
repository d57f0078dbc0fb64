using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Hr.Connections;

/// <summary>The HR system a connection receives from; each signs and shapes its deliveries its own way.</summary>
public enum HrProvider
{
    /// <summary>The product's own JSON format (<c>docs/hr-events.schema.json</c>), signed with Standard Webhooks.</summary>
    Generic,

    /// <summary>BambooHR: hex HMAC-SHA256 of body + <c>X-BambooHR-Timestamp</c>; thin events completed from its API.</summary>
    BambooHr,

    /// <summary>HiBob: base64 HMAC-SHA512 of the body; thin events completed from its API.</summary>
    HiBob,

    /// <summary>Merge HRIS: base64url HMAC-SHA256 with one app-wide key; the connection is found by <c>end_user_origin_id</c>.</summary>
    Merge,
}

/// <summary>
/// One customer's HR connection: bound to exactly one Scalekit organization, with its own signing secrets, received on
/// <c>/api/webhooks/hr/{id}</c>. Read from the <c>HR_CONNECTIONS__{id}__*</c> settings; a broken connection carries its
/// <see cref="Problem"/> and is switched off alone.
/// </summary>
public sealed record HrConnection(string Id, string? OrganizationId, HrProvider Provider, IReadOnlyList<string> Secrets, string? Problem)
{
    public const string Section = "HR_CONNECTIONS";
    public const string OrganizationSetting = "ORGANIZATION_ID";
    public const string ProviderSetting = "PROVIDER";
    public const string SecretSetting = "SIGNING_SECRET";
    public const string CompanyDomainSetting = "COMPANY_DOMAIN";
    public const string CompanyIdSetting = "COMPANY_ID";
    public const string ServiceUserIdSetting = "SERVICE_USER_ID";
    public const string EndUserOriginIdSetting = "END_USER_ORIGIN_ID";
    public const string ApiKeySetting = "API_KEY";
    public const int MaxIdLength = 40;

    public bool IsEnabled => Problem is null;

    /// <summary>BambooHR: the company's subdomain, part of its API's URL.</summary>
    public string? CompanyDomain { get; init; }

    /// <summary>BambooHR (optional) and HiBob: the company every delivery must name.</summary>
    public string? CompanyId { get; init; }

    /// <summary>HiBob: the service user the API is called as.</summary>
    public string? ServiceUserId { get; init; }

    /// <summary>Merge: the value given to Merge as the linked account's <c>end_user_origin_id</c>.</summary>
    public string? EndUserOriginId { get; init; }

    /// <summary>The provider API's credential (BambooHR API key, HiBob service user token); never logged or shown.</summary>
    public string? ApiCredential { get; init; }

    /// <summary>The full name of one of this connection's settings, as an app setting spells it.</summary>
    public string Setting(string name) => $"{Section}__{Id}__{name}";

    /// <summary>How an operator finds this connection's webhook secret: its setting, or the secret store for a connection made through the operations API.</summary>
    public string SecretName => HrConnectionIds.IsStored(Id) ? $"signing secret of connection {Id}" : Setting(SecretSetting);

    /// <summary>The path its HR system posts to.</summary>
    public string WebhookPath => $"/api/webhooks/{HrSource.Name}/{Id}";

    /// <summary>A short, stable fingerprint of each secret (the first 8 hex digits of its SHA-256), so an operator can tell them apart without seeing them.</summary>
    public IReadOnlyList<string> SecretFingerprints => [.. Secrets.Select(Fingerprint)];

    /// <summary>Every connection under <see cref="Section"/>; never throws: a connection's problem switches off only that connection.</summary>
    public static IReadOnlyList<HrConnection> ReadAll(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return [.. configuration.GetSection(Section).GetChildren()
            .Select(section => Read(section.Key.ToLowerInvariant(), section))
            .OrderBy(connection => connection.Id, StringComparer.Ordinal)];
    }

    private static HrConnection Read(string id, IConfigurationSection section)
    {
        var organization = Value(section, OrganizationSetting);
        var providerText = Value(section, ProviderSetting);
        var secretValue = section[SecretSetting];
        var secrets = IngestOptions.SplitSecrets(secretValue);
        var provider = ParseProvider(providerText);
        var connection = new HrConnection(id, organization, provider ?? HrProvider.Generic, secrets, null)
        {
            CompanyDomain = Value(section, CompanyDomainSetting),
            CompanyId = Value(section, CompanyIdSetting),
            ServiceUserId = Value(section, ServiceUserIdSetting),
            EndUserOriginId = Value(section, EndUserOriginIdSetting) ?? organization,
            ApiCredential = Value(section, ApiKeySetting),
        };
        var problem = IdProblem(id)
            ?? (connection.OrganizationId is null ? $"{connection.Setting(OrganizationSetting)} is not set: a connection acts on exactly one Scalekit organization (org_…)." : null)
            ?? (provider is null ? $"{connection.Setting(ProviderSetting)} must be 'generic', 'bamboohr', 'hibob' or 'merge' (see docs/hr.md)." : null)
            ?? ProviderSettingsProblem(connection, secretValue);
        return connection with { Problem = problem };
    }

    private static string? Value(IConfigurationSection section, string name) => section[name]?.Trim() is { Length: > 0 } value ? value : null;

    /// <summary>The provider a <c>__PROVIDER</c> setting names (absent: generic), or null when it names none this build receives.</summary>
    public static HrProvider? ParseProvider(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "generic" => HrProvider.Generic,
        "bamboohr" => HrProvider.BambooHr,
        "hibob" => HrProvider.HiBob,
        "merge" => HrProvider.Merge,
        _ => null,
    };

    private static string? IdProblem(string id) =>
        HrConnectionIds.IsStored(id) ? null
        : id.Length is 0 or > MaxIdLength || !char.IsAsciiLetterLower(id[0]) || !id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            ? $"{Section}__{id}: a connection id is 1 to {MaxIdLength} lower-case letters, digits and '-', starting with a letter (it is part of the webhook URL and of each user's external id)."
            : id == MergeRouteId
                ? $"{Section}__{id}: '{MergeRouteId}' is reserved for the address every Merge linked account posts to; choose another id."
                : null;

    /// <summary>The connection id reserved for Merge's shared address, <c>/api/webhooks/hr/merge</c>.</summary>
    public const string MergeRouteId = "merge";

    /// <summary>Each provider's own settings: what it needs to verify its deliveries and to call its API.</summary>
    private static string? ProviderSettingsProblem(HrConnection connection, string? secretValue) => connection.Provider switch
    {
        HrProvider.BambooHr => Missing(connection, CompanyDomainSetting, connection.CompanyDomain, "the company's BambooHR subdomain, as in https://{domain}.bamboohr.com")
            ?? (connection.CompanyDomain!.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') ? null : $"{connection.Setting(CompanyDomainSetting)} must be the BambooHR subdomain only (letters, digits and '-').")
            ?? Missing(connection, ApiKeySetting, connection.ApiCredential, "a BambooHR API key that can read employees")
            ?? (connection.CompanyId is { } company && !company.All(char.IsAsciiDigit) ? $"{connection.Setting(CompanyIdSetting)} must be BambooHR's numeric companyId." : null)
            ?? ProviderSecretProblem(connection, secretValue, "the BambooHR webhook's private key"),
        HrProvider.HiBob => Missing(connection, CompanyIdSetting, connection.CompanyId, "HiBob's companyId, which every delivery names")
            ?? Missing(connection, ServiceUserIdSetting, connection.ServiceUserId, "the id of the HiBob service user the API is called as")
            ?? Missing(connection, ApiKeySetting, connection.ApiCredential, "the HiBob service user's token")
            ?? ProviderSecretProblem(connection, secretValue, "the HiBob webhook's secret"),
        HrProvider.Merge => connection.Secrets.Count > 0
            ? $"{connection.Setting(SecretSetting)} is not read for a Merge connection: Merge signs with the one MERGE_WEBHOOK_SIGNATURE_KEY app setting. Remove it."
            : null,
        _ => SecretProblem(connection, secretValue, connection.Secrets),
    };

    private static string? Missing(HrConnection connection, string name, string? value, string what) =>
        value is null ? $"{connection.Setting(name)} is not set: give {what}." : null;

    private static string? ProviderSecretProblem(HrConnection connection, string? value, string what)
    {
        var setting = connection.Setting(SecretSetting);
        return ConnectionSettings.IsUnresolvedKeyVaultReference(value) ? $"{setting} holds a Key Vault reference that has not been resolved: grant the app's identity the Key Vault Secrets User role on the vault, check that the secret exists, then restart the app."
            : connection.Secrets.Count == 0 ? $"{setting} is not set: give {what}."
            : connection.Secrets.Count > HmacSignatures.MaxSecrets ? $"{setting} holds {connection.Secrets.Count} secrets; at most {HmacSignatures.MaxSecrets} can be active at once."
            : null;
    }

    private static string? SecretProblem(HrConnection connection, string? value, IReadOnlyList<string> secrets)
    {
        var setting = connection.Setting(SecretSetting);
        if (ConnectionSettings.IsUnresolvedKeyVaultReference(value))
        {
            return $"{setting} holds a Key Vault reference that has not been resolved: grant the app's identity the Key Vault Secrets User role on the vault, check that the secret exists, then restart the app.";
        }

        if (secrets.Count == 0)
        {
            return $"{setting} is not set: give the connection a Standard Webhooks secret (whsec_ followed by base64 key bytes; docs/hr.md shows how to make one).";
        }

        if (secrets.Count > HmacSignatures.MaxSecrets)
        {
            return $"{setting} holds {secrets.Count} secrets; at most {HmacSignatures.MaxSecrets} can be active at once.";
        }

        for (var i = 0; i < secrets.Count; i++)
        {
            if (!secrets[i].StartsWith("whsec_", StringComparison.Ordinal) || EventSource.StandardWebhookSecretProblem(secrets[i]) is not null)
            {
                return $"{setting}: secret #{i + 1} is not a Standard Webhooks secret (whsec_ followed by base64 key bytes).";
            }
        }

        return null;
    }

    /// <summary>The fingerprint an operator sees of <paramref name="secret"/>.</summary>
    public static string FingerprintOf(string secret) => Fingerprint(secret);

    private static string Fingerprint(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)))[..8];
}
