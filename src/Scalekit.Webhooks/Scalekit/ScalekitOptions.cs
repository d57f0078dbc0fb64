using Microsoft.Extensions.Configuration;
using Scalekit.Webhooks.Hosting;

namespace Scalekit.Webhooks.Scalekit;

/// <summary>
/// How to reach Scalekit's API. Without any of the three credentials the billing sync runs in dry-run mode; with only
/// some of them it is switched off and each billing event is parked with <see cref="CredentialsProblem"/>.
/// </summary>
public sealed class ScalekitOptions
{
    public const string EnvironmentUrlSetting = "SCALEKIT_ENVIRONMENT_URL";
    public const string ClientIdSetting = "SCALEKIT_CLIENT_ID";
    public const string ClientSecretSetting = "SCALEKIT_CLIENT_SECRET";

    public Uri? EnvironmentUrl { get; set; }

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>Longest time for one HTTP attempt. Default 10 s.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries of a transient failure (408, 429, 5xx, network) within one processing attempt. Default 3.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>First retry delay; it doubles with jitter, and a Retry-After header wins. Default 1 s.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long calls fail fast once most recent calls failed (circuit breaker). Default 15 s.</summary>
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
        options.RetryBaseDelay = SettingValue.Duration(configuration, "SCALEKIT_RETRY_BASE_DELAY_MS", options.RetryBaseDelay, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1), TimeUnit.Milliseconds);
        options.AttemptTimeout = SettingValue.Duration(configuration, "SCALEKIT_ATTEMPT_TIMEOUT_MS", options.AttemptTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5), TimeUnit.Milliseconds);
        options.CircuitBreakDuration = SettingValue.Duration(configuration, "SCALEKIT_CIRCUIT_BREAK_SECONDS", options.CircuitBreakDuration, TimeSpan.FromSeconds(0.5), TimeSpan.FromHours(1), TimeUnit.Seconds);
        options.MaxRetries = SettingValue.WholeNumber(configuration, "SCALEKIT_MAX_RETRIES", options.MaxRetries, 0, 10);
    }
}
