using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Scalekit.Webhooks.Stripe.Recovery;

/// <summary>Registers the recovery of missed Stripe events: its schedule setting, run store, event list and runner.</summary>
internal static class RecoveryRegistration
{
    public static IServiceCollection AddStripeRecovery(this IServiceCollection services, IConfiguration configuration)
    {
        // No validator: a broken schedule turns off only the scheduled run (StripeRecoveryOptions.Problem).
        services.AddOptions<StripeRecoveryOptions>().Configure(options => StripeRecoveryOptions.Bind(options, configuration));
        services.TryAddSingleton<RecoveryRunStore>();
        services.TryAddSingleton<StripeApiReader>();
        services.TryAddSingleton<StripeListReader>();
        services.TryAddSingleton<StripeEventRecovery>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Operations.IIntegrationHealth, RecoveryHealth>());
        return services;
    }
}
