using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Operations;

namespace Scalekit.Webhooks.Stripe.Recovery;

/// <summary>Recovery runs started in the stats window: how many completed or failed, and what they found and queued.</summary>
public sealed class RecoveryHealth(RecoveryRunStore runs, IOptions<StripeApiOptions> stripe, IOptions<StripeRecoveryOptions> recovery) : IIntegrationHealth
{
    public const string Name = "stripe-recovery";

    public async Task<IntegrationHealthReport> ReadAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        int completed = 0, failed = 0, running = 0, listed = 0, known = 0, queued = 0, notQueued = 0;
        DateTimeOffset? lastSuccess = null, lastFailure = null, lastRun = null;
        string? lastError = null;
        double totalMs = 0;
        await foreach (var run in runs.StartedSinceAsync(since, cancellationToken).ConfigureAwait(false))
        {
            listed += run.Listed;
            known += run.AlreadyKnown;
            queued += run.Queued;
            notQueued += run.Failed;
            lastRun = run.UpdatedAt > (lastRun ?? DateTimeOffset.MinValue) ? run.UpdatedAt : lastRun;
            switch (run.State)
            {
                case RecoveryState.Completed:
                    completed++;
                    var at = run.CompletedAt ?? run.UpdatedAt;
                    lastSuccess = at > (lastSuccess ?? DateTimeOffset.MinValue) ? at : lastSuccess;
                    totalMs += Math.Max(0, (at - run.StartedAt).TotalMilliseconds);
                    break;
                case RecoveryState.Failed:
                    failed++;
                    if (run.UpdatedAt > (lastFailure ?? DateTimeOffset.MinValue))
                    {
                        lastFailure = run.UpdatedAt;
                        lastError = run.LastError;
                    }

                    break;
                default:
                    running++;
                    break;
            }
        }

        var off = OffReason(stripe.Value);
        return new IntegrationHealthReport(Name, off is null ? "live" : "off", completed, failed, lastSuccess, lastFailure, lastError,
            completed == 0 ? null : Math.Round(totalMs / completed, 1), lastRun)
        {
            OffReason = off,
            // A broken schedule switches off only the scheduled run; runs started by hand still work.
            ConfigurationProblems = recovery.Value.Problem is { } schedule ? [schedule] : null,
            Source = StripeSource.Id.Name,
            Counts = new Dictionary<string, int>
            {
                ["runs_in_progress"] = running,
                ["events_listed"] = listed,
                ["already_known"] = known,
                ["queued"] = queued,
                ["not_queued"] = notQueued,
            },
        };
    }

    // Recovery reads Stripe's event list, so it needs the API key.
    private static string? OffReason(StripeApiOptions stripe) =>
        stripe.Problem
        ?? (stripe.IsConfigured ? null : $"Stripe recovery is off: it lists missed events through Stripe's API, and {StripeApiOptions.ApiKeySetting} is not set.");
}
