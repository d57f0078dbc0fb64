using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Operations;

namespace Scalekit.Webhooks.Onboarding;

/// <summary>Registers customer onboarding: its settings, store, runner, health report and personal data.</summary>
internal static class OnboardingRegistration
{
    public static IServiceCollection AddOnboarding(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddIntegrationSettings<OnboardingOptions, OnboardingOptionsValidator>(options => OnboardingOptions.Bind(options, configuration));
        services.TryAddSingleton<OnboardingStore>();
        services.TryAddSingleton<OnboardingSteps>();
        services.TryAddSingleton<CustomerOnboarding>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IIntegrationHealth, OnboardingHealth>());
        services.AddSingleton(OnboardingStore.PersonalData);
        return services;
    }
}
