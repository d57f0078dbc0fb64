using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;

namespace Scalekit.Webhooks.Onboarding;

/// <summary>How onboarding runs treat transient failures.</summary>
public sealed class OnboardingOptions : IIntegrationSettings
{
    public const string MaxAttemptsSetting = "ONBOARDING_MAX_ATTEMPTS";

    /// <summary>
    /// Attempts of one step before a transient failure fails the onboarding. Default 5, the queues' <c>maxDequeueCount</c>
    /// in host.json: at or below it the onboarding fails with its reason before its message goes to the poison queue.
    /// </summary>
    [SettingRange(MaxAttemptsSetting, 1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Why onboarding is off because of these settings (naming the setting); null when they are usable.</summary>
    public string? Problem { get; set; }

    internal static void Bind(OnboardingOptions options, IConfiguration configuration) =>
        options.MaxAttempts = SettingValue.WholeNumber(configuration, MaxAttemptsSetting, options.MaxAttempts);
}

[OptionsValidator]
internal sealed partial class OnboardingOptionsValidator : IValidateOptions<OnboardingOptions>;
