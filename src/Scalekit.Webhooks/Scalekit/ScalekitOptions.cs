using Microsoft.Extensions.Configuration;

namespace Scalekit.Webhooks.Scalekit;

/// <summary>How to reach Scalekit's API. Without all three credentials the billing sync runs in dry-run mode.</summary>
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

    public bool IsConfigured => EnvironmentUrl is not null && !string.IsNullOrWhiteSpace(ClientId) && !string.IsNullOrWhiteSpace(ClientSecret);

    internal static void Bind(ScalekitOptions options, IConfiguration configuration)
    {
        var url = configuration[EnvironmentUrlSetting]?.Trim();
        options.EnvironmentUrl = string.IsNullOrEmpty(url) ? null : new Uri(url.TrimEnd('/') + "/");
        options.ClientId = configuration[ClientIdSetting]?.Trim();
        options.ClientSecret = configuration[ClientSecretSetting]?.Trim();
        if (configuration["SCALEKIT_RETRY_BASE_DELAY_MS"] is { Length: > 0 } delay)
        {
            options.RetryBaseDelay = TimeSpan.FromMilliseconds(int.Parse(delay, System.Globalization.CultureInfo.InvariantCulture));
        }

        if (configuration["SCALEKIT_ATTEMPT_TIMEOUT_MS"] is { Length: > 0 } timeout)
        {
            options.AttemptTimeout = TimeSpan.FromMilliseconds(int.Parse(timeout, System.Globalization.CultureInfo.InvariantCulture));
        }

        if (configuration["SCALEKIT_CIRCUIT_BREAK_SECONDS"] is { Length: > 0 } breakSeconds)
        {
            options.CircuitBreakDuration = TimeSpan.FromSeconds(Math.Max(0.5, double.Parse(breakSeconds, System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (configuration["SCALEKIT_MAX_RETRIES"] is { Length: > 0 } retries)
        {
            options.MaxRetries = int.Parse(retries, System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
