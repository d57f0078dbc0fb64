using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Operations;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;

namespace Scalekit.Webhooks.Crm;

/// <summary>Health of the CRM sync (scheduled runs and account updates), read from its activity log.</summary>
public sealed class CrmHealth(CrmSyncStore store, IOptions<SalesforceOptions> salesforce, IOptions<ScalekitOptions> scalekit, Ownership ownership, SalesforceSession session) : IIntegrationHealth
{
    /// <summary>Why the CRM sync is off, or null when Salesforce and Scalekit are both configured.</summary>
    public static string? OffReason(SalesforceOptions salesforce, ScalekitOptions scalekit)
    {
        ArgumentNullException.ThrowIfNull(salesforce);
        ArgumentNullException.ThrowIfNull(scalekit);
        if (!salesforce.IsConfigured)
        {
            return salesforce.Problem ?? $"the CRM sync is off: {SalesforceOptions.InstanceUrlSetting}, {SalesforceOptions.ClientIdSetting} and {SalesforceOptions.ClientSecretSetting} are not set.";
        }

        return scalekit.IsConfigured ? null : scalekit.CredentialsProblem ?? "the CRM sync is off: it writes to Scalekit, and the Scalekit API credentials are not set.";
    }

    public async Task<IntegrationHealthReport> ReadAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        int successes = 0, failures = 0, deferred = 0;
        DateTimeOffset? lastSuccess = null, lastFailure = null, lastRun = null;
        string? lastError = null;
        double totalMs = 0;
        ApiUsage? usage = null;
        await foreach (var activity in store.ActivitySinceAsync(since, cancellationToken).ConfigureAwait(false))
        {
            // Newest first: the first row with a usage is the latest reading.
            lastRun ??= activity.At;
            usage ??= activity.Usage;
            if (activity.Outcome == CrmSyncStore.Success)
            {
                successes++;
                totalMs += activity.DurationMs;
                lastSuccess ??= activity.At;
            }
            else if (activity.Outcome == CrmSyncStore.Deferred)
            {
                deferred++;
            }
            else if (activity.Outcome == CrmSyncStore.Failure)
            {
                failures++;
                if (lastFailure is null)
                {
                    lastFailure = activity.At;
                    lastError = activity.Detail;
                }
            }
        }

        var off = OffReason(salesforce.Value, scalekit.Value);
        return new IntegrationHealthReport("crm", off is null ? "live" : "off", successes, failures, lastSuccess, lastFailure, off ?? lastError,
            successes == 0 ? null : Math.Round(totalMs / successes, 1), lastRun, session.LastUsage ?? usage)
        {
            // The CRM's keys count only while it runs: without it billing and onboarding fit.
            OffReason = off,
            Counts = new Dictionary<string, int> { ["deferred"] = deferred },
            ConfigurationProblems = off is null && ownership.BudgetWarning(Ownership.WarnAbovePairs) is { } budget ? [.. ownership.ProblemsOf(FactWriter.Crm), budget] : ownership.ProblemsOf(FactWriter.Crm),
        };
    }
}
