using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Stripe.Checkout;
using Scalekit.Webhooks.Stripe.Entitlements;

namespace Scalekit.Webhooks.Stripe;

/// <summary>Logs once at start-up, naming the setting, each billing setting that is broken and what it turned off.</summary>
internal sealed partial class BillingSettingsReport(IOptions<BillingFeatureOptions> features, IOptions<CheckoutOnboardingOptions> checkout, ILogger<BillingSettingsReport> logger) : IHostedService
{
    /// <summary>Every billing setting problem, for the start-up log and the billing health.</summary>
    public static IEnumerable<string> Problems(BillingFeatureOptions features, CheckoutOnboardingOptions checkout)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(checkout);
        return new[] { features.Problem, checkout.Problem }.OfType<string>();
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var problem in Problems(features.Value, checkout.Value))
        {
            LogProblem(logger, problem);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(5020, LogLevel.Error, "Billing setting problem: {Problem}")]
    private static partial void LogProblem(ILogger logger, string problem);
}
