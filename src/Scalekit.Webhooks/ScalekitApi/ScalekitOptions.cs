using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;


namespace Scalekit.Webhooks.ScalekitApi;

/// <summary>
/// How to reach Scalekit's API. Without any of the three credentials the billing sync runs in dry-run mode; with only
/// some of them it is switched off and each billing event is parked with <see cref="CredentialsProblem"/>.
/// </summary>
public sealed class ScalekitOptions
{
    public const string EnvironmentUrlSetting = "SCALEKIT_ENVIRONMENT_URL";
    public const string ClientIdSetting = "SCALEKIT_CLIENT_ID";
    public const string ClientSecretSetting = "SCALEKIT_CLIENT_SECRET";
    public const string AttemptTimeoutSetting = "SCALEKIT_ATTEMPT_TIMEOUT_MS";
    public const string MaxRetriesSetting = "SCALEKIT_MAX_RETRIES";
    public const string RetryBaseDelaySetting = "SCALEKIT_RETRY_BASE_DELAY_MS";
    public const string CircuitBreakSetting = "SCALEKIT_CIRCUIT_BREAK_SECONDS";

    public Uri? EnvironmentUrl { get; set; }

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>Longest time for one HTTP attempt. Default 10 s.</summary>
    [SettingRange(AttemptTimeoutSetting, 100, 300000, TimeUnit.Milliseconds)]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries of a transient failure (408, 429, 5xx, network) within one processing attempt. Default 3.</summary>
    [SettingRange(MaxRetriesSetting, 0, 10)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>First retry delay; it doubles with jitter, and a Retry-After header wins. Default 1 s.</summary>
    [SettingRange(RetryBaseDelaySetting, 1, 60000, TimeUnit.Milliseconds)]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long calls fail fast once most recent calls failed (circuit breaker). Default 15 s.</summary>
    [SettingRange(CircuitBreakSetting, 0.5, 3600, TimeUnit.Seconds)]
    public TimeSpan CircuitBreakDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Renew the access token this long before it expires. Default 5 minutes.</summary>
    public TimeSpan TokenRefreshMargin { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Why Scalekit API access is switched off although some of its settings are given (one or two of the three
    /// credentials, an unusable URL, an unresolved Key Vault reference); null when it is fully set or fully absent.
    /// </summary>
    public string? CredentialsProblem { get; set; }

    public bool IsConfigured => CredentialsProblem is null && EnvironmentUrl is not null && !string.IsNullOrWhiteSpace(ClientId) && !string.IsNullOrWhiteSpace(ClientSecret);

    internal static void Bind(ScalekitOptions options, IConfiguration configuration)
    {
        var given = new Dictionary<string, string?>
        {
            [EnvironmentUrlSetting] = configuration[EnvironmentUrlSetting]?.Trim(),
            [ClientIdSetting] = configuration[ClientIdSetting]?.Trim(),
            [ClientSecretSetting] = configuration[ClientSecretSetting]?.Trim(),
        };
        options.ClientId = given[ClientIdSetting];
        options.ClientSecret = given[ClientSecretSetting];
        options.EnvironmentUrl = ConnectionSettings.BaseUrl(given[EnvironmentUrlSetting]);
        options.CredentialsProblem = ConnectionSettings.Problem("Scalekit API access", given, options.EnvironmentUrl is not null ? null : EnvironmentUrlSetting);
        options.RetryBaseDelay = SettingValue.Duration(configuration, RetryBaseDelaySetting, options.RetryBaseDelay, TimeUnit.Milliseconds);
        options.AttemptTimeout = SettingValue.Duration(configuration, AttemptTimeoutSetting, options.AttemptTimeout, TimeUnit.Milliseconds);
        options.CircuitBreakDuration = SettingValue.Duration(configuration, CircuitBreakSetting, options.CircuitBreakDuration, TimeUnit.Seconds);
        options.MaxRetries = SettingValue.WholeNumber(configuration, MaxRetriesSetting, options.MaxRetries);
    }
}

[OptionsValidator]
internal sealed partial class ScalekitOptionsValidator : IValidateOptions<ScalekitOptions>;
