using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Stripe.Entitlements;
using Scalekit.Webhooks.Stripe.Seats;

namespace Scalekit.Webhooks.Stripe;

/// <summary>Logs once at start-up, naming the setting, each billing setting that is broken and what it turned off.</summary>
internal sealed partial class BillingSettingsReport(IOptions<BillingFeatureOptions> features, IOptions<SeatSyncOptions> seats, ILogger<BillingSettingsReport> logger) : IHostedService
{
    /// <summary>Every billing setting problem, for the start-up log and the billing health.</summary>
    public static IEnumerable<string> Problems(BillingFeatureOptions features)
    {
        ArgumentNullException.ThrowIfNull(features);
        return new[] { features.Problem }.OfType<string>();
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var problem in Problems(features.Value))
        {
            LogProblem(logger, problem);
        }

        // Seat sync reports its own problem in its health (billing-seats), apart from the rest of billing.
        if (seats.Value.Problem is { } seatProblem)
        {
            LogSeatProblem(logger, seatProblem);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(5120, LogLevel.Error, "Billing setting problem: {Problem}")]
    private static partial void LogProblem(ILogger logger, string problem);

    [LoggerMessage(5121, LogLevel.Error, "Billing seat sync is off: {Problem}")]
    private static partial void LogSeatProblem(ILogger logger, string problem);
}
