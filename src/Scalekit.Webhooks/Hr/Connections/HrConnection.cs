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
        var organization = section[OrganizationSetting]?.Trim();
        var providerText = section[ProviderSetting]?.Trim();
        var secretValue = section[SecretSetting];
        var secrets = IngestOptions.SplitSecrets(secretValue);
        var connection = new HrConnection(id, string.IsNullOrEmpty(organization) ? null : organization, HrProvider.Generic, secrets, null);
        var problem = IdProblem(id)
            ?? (connection.OrganizationId is null ? $"{connection.Setting(OrganizationSetting)} is not set: a connection acts on exactly one Scalekit organization (org_…)." : null)
            ?? ProviderProblem(connection, providerText)
            ?? SecretProblem(connection, secretValue, secrets);
        return connection with { Problem = problem };
    }

    private static string? IdProblem(string id) =>
        HrConnectionIds.IsStored(id) ? null
        : id.Length is 0 or > MaxIdLength || !char.IsAsciiLetterLower(id[0]) || !id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            ? $"{Section}__{id}: a connection id is 1 to {MaxIdLength} lower-case letters, digits and '-', starting with a letter (it is part of the webhook URL and of each user's external id)."
            : null;

    private static string? ProviderProblem(HrConnection connection, string? provider) =>
        provider is null or "" || string.Equals(provider, "generic", StringComparison.OrdinalIgnoreCase)
            ? null
            : $"{connection.Setting(ProviderSetting)} must be 'generic' (the only provider this build receives; see docs/hr.md).";

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
