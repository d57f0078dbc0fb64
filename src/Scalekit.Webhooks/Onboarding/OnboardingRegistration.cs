using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Scalekit.Webhooks.Operations;
using Scalekit.Webhooks.Privacy;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Onboarding;

/// <summary>Registers customer onboarding: its store, the runner, its health report and its personal data.</summary>
internal static class OnboardingRegistration
{
    public static IServiceCollection AddOnboarding(this IServiceCollection services)
    {
        services.TryAddSingleton<OnboardingStore>();
        services.TryAddSingleton<CustomerOnboarding>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IIntegrationHealth, OnboardingHealth>());
        services.AddSingleton(new PersonalDataTable(StorageNames.OnboardingTable, ["AdminEmail"], new Dictionary<ErasureSubjectKind, string>
        {
            [ErasureSubjectKind.Email] = "AdminEmail",
            [ErasureSubjectKind.UserId] = "AdminUserId",
        }));
        return services;
    }
}
