using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;

namespace Scalekit.Webhooks.Hr.Connections;

/// <summary>
/// Where the secrets of connections created through the operations API live, how long a rotated secret stays valid
/// and how long a found connection is remembered. A broken value switches off only those connections (answered 503).
/// </summary>
public sealed class HrSecretOptions : IIntegrationSettings
{
    public const string VaultUriSetting = "HR_SECRETS_VAULT_URI";
    public const string DevelopmentPathSetting = "HR_SECRETS_DEVELOPMENT_PATH";
    public const string RotationGraceSetting = "HR_SECRET_ROTATION_GRACE_HOURS";
    public const string CacheSetting = "HR_CONNECTION_CACHE_SECONDS";

    /// <summary>The user-assigned identity the app reads the vault as (the Bicep sets it for storage already).</summary>
    public const string IdentityClientIdSetting = "AzureWebJobsStorage:clientId";

    /// <summary>Set by App Service on every Azure instance: there, secrets must go to a vault, never to the app's disk.</summary>
    private const string AzureInstanceSetting = "WEBSITE_INSTANCE_ID";

    /// <summary>The Key Vault (<c>https://{name}.vault.azure.net/</c>); null: the development store.</summary>
    public Uri? VaultUri { get; set; }

    /// <summary>The managed identity's client id; null: the system-assigned identity.</summary>
    public string? IdentityClientId { get; set; }

    /// <summary>The development store's folder (git-ignored). Default <c>.hr-secrets</c> in the working directory.</summary>
    public string DevelopmentPath { get; set; } = ".hr-secrets";

    /// <summary>How long a generic connection's previous secret is still accepted after a rotation. Default 24 hours.</summary>
    [SettingRange(RotationGraceSetting, 0, 720, TimeUnit.Hours)]
    public TimeSpan RotationGrace { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long an instance remembers a connection it looked up (and an id it did not find). A deletion stops deliveries
    /// at once on the instance that deleted it and within this long on every other one. Default 30 seconds.
    /// </summary>
    [SettingRange(CacheSetting, 0, 300, TimeUnit.Seconds)]
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    public string? Problem { get; set; }

    internal static void Bind(HrSecretOptions options, IConfiguration configuration)
    {
        if (configuration[VaultUriSetting]?.Trim() is { Length: > 0 } vault)
        {
            options.VaultUri = Uri.TryCreate(vault, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps
                ? uri
                : throw SettingValue.Invalid(VaultUriSetting, "must be the vault's https URI, e.g. https://kv-name.vault.azure.net/");
        }
        else if (!string.IsNullOrEmpty(configuration[AzureInstanceSetting]))
        {
            throw SettingValue.Invalid(VaultUriSetting, "is not set: in Azure the HR connections' secrets live in the Key Vault (the Bicep sets it)");
        }

        options.IdentityClientId = configuration[IdentityClientIdSetting] is { Length: > 0 } clientId ? clientId : null;
        if (configuration[DevelopmentPathSetting]?.Trim() is { Length: > 0 } path)
        {
            options.DevelopmentPath = path;
        }

        options.RotationGrace = SettingValue.Duration(configuration, RotationGraceSetting, options.RotationGrace, TimeUnit.Hours);
        options.CacheDuration = SettingValue.Duration(configuration, CacheSetting, options.CacheDuration, TimeUnit.Seconds);
    }
}

[OptionsValidator]
internal sealed partial class HrSecretOptionsValidator : IValidateOptions<HrSecretOptions>;
