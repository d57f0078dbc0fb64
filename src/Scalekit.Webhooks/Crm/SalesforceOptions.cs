using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;

namespace Scalekit.Webhooks.Crm;

/// <summary>
/// How to reach the Salesforce org (OAuth 2.0 client credentials against its My Domain). Without any of the three
/// connection settings the CRM sync is off; with only some of them it is off too and <see cref="Problem"/> says why.
/// </summary>
public sealed class SalesforceOptions : IIntegrationSettings
{
    public const string InstanceUrlSetting = "SALESFORCE_INSTANCE_URL";
    public const string ClientIdSetting = "SALESFORCE_CLIENT_ID";
    public const string ClientSecretSetting = "SALESFORCE_CLIENT_SECRET";
    public const string ApiVersionSetting = "SALESFORCE_API_VERSION";
    public const string UsageCeilingSetting = "CRM_API_USAGE_CEILING";
    public const string MaxRetriesSetting = "SALESFORCE_MAX_RETRIES";
    public const string RetryBaseDelaySetting = "SALESFORCE_RETRY_BASE_DELAY_MS";
    public const string AttemptTimeoutSetting = "SALESFORCE_ATTEMPT_TIMEOUT_MS";

    /// <summary>
    /// The org's My Domain, e.g. <c>https://acme.my.salesforce.com/</c>; the token endpoint is below it, and a token's
    /// <c>instance_url</c> is accepted only on this host. https only, but for a loopback host.
    /// </summary>
    public Uri? InstanceUrl { get; set; }

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>REST API version in request paths. Default <c>v68.0</c>.</summary>
    [RegularExpression(@"^v\d{2,3}\.\d$", ErrorMessage = ApiVersionSetting + " must look like v68.0.")]
    public string ApiVersion { get; set; } = "v68.0";

    /// <summary>Share of the 24-hour API allocation (percent) past which the scheduled sync waits for the next run. Default 80.</summary>
    [SettingRange(UsageCeilingSetting, 1, 100)]
    public int UsageCeilingPercent { get; set; } = 80;

    /// <summary>Longest time for one HTTP attempt. Default 20 s (Salesforce counts requests of 20 s or more against a concurrency limit).</summary>
    [SettingRange(AttemptTimeoutSetting, 100, 300000, TimeUnit.Milliseconds)]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Retries of a transient failure (408, 429, 5xx, network) within one call. Default 3.</summary>
    [SettingRange(MaxRetriesSetting, 0, 10)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>First retry delay; it doubles with jitter. Default 1 s.</summary>
    [SettingRange(RetryBaseDelaySetting, 1, 60000, TimeUnit.Milliseconds)]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Why the CRM sync is off although some of its settings are given; null when fully set or fully absent.</summary>
    public string? Problem { get; set; }

    public bool IsConfigured => Problem is null && InstanceUrl is not null && !string.IsNullOrEmpty(ClientId) && !string.IsNullOrEmpty(ClientSecret);

    internal static void Bind(SalesforceOptions options, IConfiguration configuration)
    {
        var given = new Dictionary<string, string?>
        {
            [InstanceUrlSetting] = configuration[InstanceUrlSetting]?.Trim(),
            [ClientIdSetting] = configuration[ClientIdSetting]?.Trim(),
            [ClientSecretSetting] = configuration[ClientSecretSetting]?.Trim(),
        };
        options.ClientId = given[ClientIdSetting];
        options.ClientSecret = given[ClientSecretSetting];
        // The client secret and every token travel to this host: https only, but for a loopback stand-in.
        options.InstanceUrl = ConnectionSettings.SecureBaseUrl(given[InstanceUrlSetting]);
        options.Problem = ConnectionSettings.Problem("the CRM sync", given, options.InstanceUrl is not null ? null : InstanceUrlSetting,
            "an absolute https URL (http only to a loopback host)");
        if (configuration[ApiVersionSetting] is { } version && !string.IsNullOrWhiteSpace(version))
        {
            options.ApiVersion = version.Trim();
        }

        options.UsageCeilingPercent = SettingValue.WholeNumber(configuration, UsageCeilingSetting, options.UsageCeilingPercent);
        options.MaxRetries = SettingValue.WholeNumber(configuration, MaxRetriesSetting, options.MaxRetries);
        options.RetryBaseDelay = SettingValue.Duration(configuration, RetryBaseDelaySetting, options.RetryBaseDelay, TimeUnit.Milliseconds);
        options.AttemptTimeout = SettingValue.Duration(configuration, AttemptTimeoutSetting, options.AttemptTimeout, TimeUnit.Milliseconds);
    }
}

[OptionsValidator]
internal sealed partial class SalesforceOptionsValidator : IValidateOptions<SalesforceOptions>;
