using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Scalekit.Webhooks.Hr.Providers;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Hr.Connections;

/// <summary>
/// One customer's HR connection: bound to exactly one Scalekit organization, with its own signing secrets, received on
/// <c>/api/webhooks/hr/{id}</c>. Read from the <c>HR_CONNECTIONS__{id}__*</c> settings; a broken connection carries its
/// <see cref="Problem"/> and is switched off alone.
/// </summary>
public sealed record HrConnection(string Id, string? OrganizationId, string Provider, IReadOnlyList<string> Secrets, string? Problem)
{
    public const string Section = "HR_CONNECTIONS";
    public const string OrganizationSetting = "ORGANIZATION_ID";
    public const string ProviderSetting = "PROVIDER";
    public const string SecretSetting = HrField.SigningSecretSetting;
    public const int MaxIdLength = 40;

    public bool IsEnabled => Problem is null;

    /// <summary>The provider's plain (not secret) fields that are set, by field name (<see cref="HrProviderProfile.Fields"/>).</summary>
    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The provider API's credential; never logged or shown.</summary>
    public string? ApiCredential { get; init; }

    /// <summary>The value of the plain field <paramref name="name"/>, or null when it is not set.</summary>
    public string? Field(string name) => Fields.TryGetValue(name, out var value) ? value : null;

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
        var profile = HrProviders.Find(Value(section, ProviderSetting));
        var secretValue = section[SecretSetting];
        var fields = profile is null ? [] : HrConnectionFields.Plain(profile, name => Value(section, name.ToUpperInvariant()), organization);
        var connection = new HrConnection(id, organization, profile?.Name ?? Value(section, ProviderSetting)!, IngestOptions.SplitSecrets(secretValue), null)
        {
            Fields = fields,
            ApiCredential = profile?.ApiCredentialField is null ? null : Value(section, HrField.ApiCredentialSetting),
        };
        var problem = IdProblem(id)
            ?? (connection.OrganizationId is null ? $"{connection.Setting(OrganizationSetting)} is not set: a connection acts on exactly one Scalekit organization (org_…)." : null)
            ?? (profile is null ? $"{connection.Setting(ProviderSetting)} must be {HrProviders.Names} (see docs/hr.md)." : null)
            ?? HrConnectionFields.SettingsProblem(profile!, connection, secretValue, name => Value(section, name));
        return connection with { Problem = problem };
    }

    private static string? Value(IConfigurationSection section, string name) => section[name]?.Trim() is { Length: > 0 } value ? value : null;

    private static string? IdProblem(string id) =>
        HrConnectionIds.IsStored(id) ? null
        : id.Length is 0 or > MaxIdLength || !char.IsAsciiLetterLower(id[0]) || !id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            ? $"{Section}__{id}: a connection id is 1 to {MaxIdLength} lower-case letters, digits and '-', starting with a letter (it is part of the webhook URL and of each user's external id)."
            : HrProviders.All.FirstOrDefault(profile => profile.SharedRoute == id) is { } shared
                ? $"{Section}__{id}: '{id}' is reserved for the address every {shared.Label} connection posts to; choose another id."
                : null;

    /// <summary>The fingerprint an operator sees of <paramref name="secret"/>.</summary>
    public static string FingerprintOf(string secret) => Fingerprint(secret);

    private static string Fingerprint(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)))[..8];
}
