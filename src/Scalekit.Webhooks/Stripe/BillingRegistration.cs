using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Scalekit.Webhooks.Stripe.Entitlements;

namespace Scalekit.Webhooks.Stripe;

/// <summary>Registers what billing does beyond the plan map: the feature source and the entitlements read.</summary>
internal static class BillingRegistration
{
    public static IServiceCollection AddBillingBeyondPlanMap(this IServiceCollection services, IConfiguration configuration)
    {
        // No validator: binding turns a broken setting into BillingFeatureOptions.Problem, which turns off only billing's use of it.
        services.AddOptions<BillingFeatureOptions>().Configure(options => BillingFeatureOptions.Bind(options, configuration));
        services.TryAddSingleton<StripeApiReader>();
        services.TryAddSingleton<StripeListReader>();
        services.AddHostedService<BillingSettingsReport>();
        return services;
    }
}
