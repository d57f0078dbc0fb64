using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;

namespace Scalekit.Webhooks.Hr.Providers;

/// <summary>How the HR systems' APIs are called when a thin event is completed (every provider that reads employees from one).</summary>
public sealed class HrApiOptions : IIntegrationSettings
{
    public const string MaxRetriesSetting = "HR_API_MAX_RETRIES";
    public const string RetryBaseDelaySetting = "HR_API_RETRY_BASE_DELAY_MS";
    public const string AttemptTimeoutSetting = "HR_API_ATTEMPT_TIMEOUT_MS";

    /// <summary>Retries within one processing attempt (408, 429, 5xx, network; Retry-After honoured). Default 2; then the queue retries.</summary>
    [SettingRange(MaxRetriesSetting, 0, 10)]
    public int MaxRetries { get; set; } = 2;

    /// <summary>First retry delay, doubled each time. Default 1 s.</summary>
    [SettingRange(RetryBaseDelaySetting, 1, 60000, TimeUnit.Milliseconds)]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest time for one HTTP attempt. Default 10 s.</summary>
    [SettingRange(AttemptTimeoutSetting, 100, 120000, TimeUnit.Milliseconds)]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public string? Problem { get; set; }

    internal static void Bind(HrApiOptions options, IConfiguration configuration)
    {
        options.MaxRetries = SettingValue.WholeNumber(configuration, MaxRetriesSetting, options.MaxRetries);
        options.RetryBaseDelay = SettingValue.Duration(configuration, RetryBaseDelaySetting, options.RetryBaseDelay, TimeUnit.Milliseconds);
        options.AttemptTimeout = SettingValue.Duration(configuration, AttemptTimeoutSetting, options.AttemptTimeout, TimeUnit.Milliseconds);
    }
}

[OptionsValidator]
internal sealed partial class HrApiOptionsValidator : IValidateOptions<HrApiOptions>;
