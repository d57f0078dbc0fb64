using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.Onboarding;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Stripe;
using Scalekit.Webhooks.Stripe.Entitlements;

namespace Scalekit.Webhooks.Hosting;

/// <summary>Builds the one ownership table from the configured writers, once, at start.</summary>
internal static class OwnershipRegistration
{
    public static IServiceCollection AddOwnership(this IServiceCollection services)
    {
        services.TryAddSingleton(provider => Build(
            provider.GetRequiredService<IOptions<BillingOptions>>().Value,
            provider.GetRequiredService<IOptions<BillingFeatureOptions>>().Value,
            provider.GetRequiredService<IOptions<CrmOptions>>().Value));
        return services;
    }

    /// <summary>
    /// Claims in order: onboarding's fixed keys, billing's, then the CRM sync's (only while its settings are usable: a
    /// CRM that is off writes nothing). A later claimant loses what an earlier one claimed.
    /// </summary>
    public static Ownership Build(BillingOptions billing, BillingFeatureOptions features, CrmOptions crm)
    {
        var claims = OnboardingSteps.Claims().Concat(billing.Claims(features));
        var hints = new Dictionary<FactWriter, string> { [FactWriter.Billing] = billing.ShrinkHint };
        if (crm.Problem is null)
        {
            claims = claims.Concat(crm.Claims());
            hints[FactWriter.Crm] = crm.ShrinkHint;
        }

        return Ownership.From(claims, hints);
    }
}
