using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Hr.Providers;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Onboarding;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Stripe;
using Scalekit.Webhooks.Stripe.Recovery;

namespace Scalekit.Webhooks.Hosting;

/// <summary>
/// Logs once at start-up, as an error naming the setting, each part that a broken setting has switched off, while
/// the rest of the app runs. (Settings that make no sense at all stop start-up instead, through options validation.)
/// </summary>
internal sealed partial class StartupSettingsReport(IOptions<IngestOptions> ingest, IOptions<ScalekitOptions> scalekit, IOptions<SalesforceOptions> salesforce, IOptions<StripeApiOptions> stripeApi, IOptions<StripeRecoveryOptions> stripeRecovery,
    IOptions<BillingOptions> billing, IOptions<HrOptions> hr, IOptions<OnboardingOptions> onboarding, Ownership ownership, HrProviderSettings hrProviders, ILogger<StartupSettingsReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var sender in ingest.Value.Senders.Values.Where(sender => !sender.IsEnabled))
        {
            LogSenderOff(logger, sender.Source, sender.Setting, sender.Problem!);
        }

        if (scalekit.Value.CredentialsProblem is { } problem)
        {
            LogScalekitOff(logger, problem);
        }

        if (salesforce.Value.Problem is { } crmProblem)
        {
            LogCrmOff(logger, crmProblem);
        }

        if (stripeApi.Value.Problem is { } stripeProblem)
        {
            LogStripeApiOff(logger, stripeProblem);
        }

        foreach (var (integration, settingsProblem) in new[] { ("billing", billing.Value.Problem), ("HR", hr.Value.Problem), ("onboarding", onboarding.Value.Problem) }.Concat(hrProviders.Problems()))
        {
            if (settingsProblem is not null)
            {
                LogIntegrationOff(logger, integration, settingsProblem);
            }
        }

        foreach (var conflict in ownership.Conflicts)
        {
            LogConflict(logger, conflict.Message);
        }

        if (salesforce.Value.IsConfigured && ownership.BudgetWarning(Ownership.WarnAbovePairs) is { } budget)
        {
            LogOverBudget(logger, budget);
        }

        if (stripeRecovery.Value.Problem is { } recoveryProblem)
        {
            LogScheduledRecoveryOff(logger, recoveryProblem);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(5001, LogLevel.Error, "{Source} deliveries are refused with 503 until {Setting} is fixed. {Problem}")]
    private static partial void LogSenderOff(ILogger logger, WebhookSource source, string setting, string problem);

    [LoggerMessage(5002, LogLevel.Error, "Billing and HR events are parked until the Scalekit settings are fixed: {Problem}")]
    private static partial void LogScalekitOff(ILogger logger, string problem);

    [LoggerMessage(5003, LogLevel.Error, "The CRM sync is off until the Salesforce settings are fixed: {Problem}")]
    private static partial void LogCrmOff(ILogger logger, string problem);

    [LoggerMessage(5004, LogLevel.Error, "Writes to Stripe customers are off until the Stripe API settings are fixed: {Problem}")]
    private static partial void LogStripeApiOff(ILogger logger, string problem);

    [LoggerMessage(5006, LogLevel.Error, "The {Integration} integration is off until its settings are fixed; the rest of the app runs. {Problem}")]
    private static partial void LogIntegrationOff(ILogger logger, string integration, string problem);

    [LoggerMessage(5007, LogLevel.Warning, "Two settings give one item to two writers: {Conflict}")]
    private static partial void LogConflict(ILogger logger, string conflict);

    [LoggerMessage(5008, LogLevel.Warning, "{Warning}")]
    private static partial void LogOverBudget(ILogger logger, string warning);

    [LoggerMessage(5005, LogLevel.Error, "{Problem}")]
    private static partial void LogScheduledRecoveryOff(ILogger logger, string problem);
}
