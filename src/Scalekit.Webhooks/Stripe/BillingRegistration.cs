using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Scalekit.Webhooks.Stripe.Checkout;
using Scalekit.Webhooks.Stripe.Entitlements;

namespace Scalekit.Webhooks.Stripe;

/// <summary>Registers what billing does beyond the plan map: the feature source, the entitlements read and onboarding from Checkout.</summary>
internal static class BillingRegistration
{
    public static IServiceCollection AddBillingBeyondPlanMap(this IServiceCollection services, IConfiguration configuration)
    {
        // No validators: a broken setting turns off only billing's use of it (each options class has a Problem).
        services.AddOptions<BillingFeatureOptions>().Configure(options => BillingFeatureOptions.Bind(options, configuration));
        services.TryAddSingleton<StripeApiReader>();
        services.TryAddSingleton<StripeActiveEntitlements>();
        services.AddOptions<CheckoutOnboardingOptions>().Configure(options => CheckoutOnboardingOptions.Bind(options, configuration));
        services.TryAddSingleton<CheckoutOnboarding>();
        services.AddHostedService<BillingSettingsReport>();
        return services;
    }
}
