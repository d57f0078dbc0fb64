using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Operations;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Stripe.Entitlements;

namespace Scalekit.Webhooks.Stripe;

/// <summary>Health of the Stripe → Scalekit billing sync, read from the Stripe events in the event ledger.</summary>
public sealed class BillingHealth(EventLedgerQueries ledger, IOptions<ScalekitOptions> scalekit, IOptions<BillingOptions> billing, IOptions<BillingFeatureOptions> features, Ownership ownership) : IIntegrationHealth
{
    public async Task<IntegrationHealthReport> ReadAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        var report = await ReadLedgerAsync(ledger, scalekit.Value, billing.Value.Problem, StripeSource.Profile, since, cancellationToken).ConfigureAwait(false);
        // A broken feature-source setting shows until something failed more recently.
        var problem = BillingSettingsReport.Problems(features.Value).FirstOrDefault();
        report = report with { ConfigurationProblems = ownership.ProblemsOf(FactWriter.Billing) };
        return problem is null || report.LastError is not null ? report : report with { LastError = problem };
    }

    /// <summary>The health of the integration <paramref name="profile"/>'s events feed (billing: Stripe; hr: HR events), from its events in the ledger.</summary>
    internal static async Task<IntegrationHealthReport> ReadLedgerAsync(EventLedgerQueries ledger, ScalekitOptions options, string? settingsProblem, EventSource profile, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var source = profile.Source;
        var name = profile.Integration ?? source.Name;
        int successes = 0, failures = 0;
        DateTimeOffset? lastSuccess = null, lastFailure = null;
        string? lastError = null;
        double totalMs = 0;
        await foreach (var entry in ledger.ListAsync(new LedgerFilter { Source = source, ReceivedFrom = since }, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Status is ProcessingStatus.Failed or ProcessingStatus.Parked)
            {
                failures++;
                var at = entry.LastFailedAt ?? entry.CompletedAt;
                if (at > (lastFailure ?? DateTimeOffset.MinValue))
                {
                    lastFailure = at;
                    lastError = entry.LastError ?? entry.Detail;
                }
            }
            else if (entry.Status.IsFinal() && entry.CompletedAt is { } completed)
            {
                successes++;
                lastSuccess = completed > (lastSuccess ?? DateTimeOffset.MinValue) ? completed : lastSuccess;
                totalMs += entry.LastAttemptAt is { } started ? Math.Max(0, (completed - started).TotalMilliseconds) : 0;
            }
        }

        // Partial credentials switch the sync off (events are parked with the reason); none at all is a dry run.
        // Broken settings of the integration itself switch it off too, and say which setting and why.
        var mode = settingsProblem is not null ? "off" : options.IsConfigured ? "live" : options.CredentialsProblem is null ? "dry-run" : "off";
        return new IntegrationHealthReport(name, mode, successes, failures, lastSuccess, lastFailure, settingsProblem ?? lastError ?? options.CredentialsProblem,
            successes == 0 ? null : Math.Round(totalMs / successes, 1))
        {
            OffReason = mode == "off" ? settingsProblem ?? options.CredentialsProblem : null,
            Source = source.Name,
        };
    }
}
