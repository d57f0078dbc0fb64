using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Operations;
using Scalekit.Webhooks.Scalekit;

namespace Scalekit.Webhooks.Stripe.Seats;

/// <summary>Registers per-seat billing: its settings, store, sync, the membership listener and its health.</summary>
internal static class SeatSyncRegistration
{
    public static IServiceCollection AddSeatSync(this IServiceCollection services, IConfiguration configuration)
    {
        // A broken setting turns off only seat sync (SeatSyncOptions.Problem), never start-up.
        services.AddIntegrationSettings<SeatSyncOptions, SeatSyncOptionsValidator>(options => SeatSyncOptions.Bind(options, configuration));
        services.TryAddSingleton<StripeListReader>();
        services.TryAddSingleton<SeatSyncStore>();
        services.TryAddSingleton<SeatSync>();
        services.TryAddSingleton<SeatMembershipListener>();
        services.AddSingleton<IAppliedEventListener>(provider => provider.GetRequiredService<SeatMembershipListener>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IIntegrationHealth, SeatSyncHealth>());
        return services;
    }
}
