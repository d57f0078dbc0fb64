using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Stripe.Entitlements;

namespace Scalekit.Webhooks.Stripe;

/// <summary>Registers what billing does beyond the plan map: the feature source and the entitlements read.</summary>
internal static class BillingRegistration
{
    public static IServiceCollection AddBillingBeyondPlanMap(this IServiceCollection services, IConfiguration configuration)
    {
        // A broken setting turns off only billing's use of it (BillingFeatureOptions.Problem), never start-up.
        services.AddSettings<BillingFeatureOptions, BillingFeatureOptionsValidator>(options => BillingFeatureOptions.Bind(options, configuration));
        services.TryAddSingleton<StripeApiReader>();
        services.TryAddSingleton<StripeActiveEntitlements>();
        services.AddHostedService<BillingSettingsReport>();
        return services;
    }
}
