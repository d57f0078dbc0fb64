using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Onboarding.Checkout;

/// <summary>Registers onboarding from Checkout: its setting, the listener billing calls, and the start-up report of a broken setting.</summary>
internal static partial class CheckoutOnboardingRegistration
{
    public static IServiceCollection AddCheckoutOnboarding(this IServiceCollection services, IConfiguration configuration)
    {
        // No validator: binding turns a broken value into CheckoutOnboardingOptions.Problem, which turns off only this.
        services.AddOptions<CheckoutOnboardingOptions>().Configure(options => CheckoutOnboardingOptions.Bind(options, configuration));
        services.TryAddSingleton<CheckoutOnboarding>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICheckoutCompletedListener, CheckoutOnboarding>(provider => provider.GetRequiredService<CheckoutOnboarding>()));
        services.AddHostedService<SettingReport>();
        return services;
    }

    /// <summary>Logs once at start-up, naming the setting, when ONBOARDING_FROM_CHECKOUT is broken (and so off).</summary>
    private sealed partial class SettingReport(IOptions<CheckoutOnboardingOptions> options, ILogger<SettingReport> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (options.Value.Problem is { } problem)
            {
                LogProblem(logger, problem);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(9520, LogLevel.Error, "Onboarding from Checkout is off: {Problem}")]
        private static partial void LogProblem(ILogger logger, string problem);
    }
}
