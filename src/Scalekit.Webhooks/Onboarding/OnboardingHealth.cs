using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Operations;
using Scalekit.Webhooks.ScalekitApi;

namespace Scalekit.Webhooks.Onboarding;

/// <summary>Onboardings started in the stats window: how many completed, failed or are still in progress.</summary>
public sealed class OnboardingHealth(OnboardingStore store, IOptions<ScalekitOptions> scalekit, IOptions<OnboardingOptions> options) : IIntegrationHealth
{
    public async Task<IntegrationHealthReport> ReadAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        var counts = await store.CountAsync(since, cancellationToken).ConfigureAwait(false);
        // Without Scalekit every step that needs it is skipped; the other systems are named in each step's detail.
        var problem = options.Value.Problem;
        var mode = problem is null && scalekit.Value.IsConfigured ? "live" : "off";
        return new IntegrationHealthReport("onboarding", mode, counts.Completed, counts.Failed, counts.LastCompletedAt, counts.LastFailedAt, problem ?? counts.LastFailure, counts.AverageDurationMs)
        {
            Counts = new Dictionary<string, int>
            {
                ["started"] = counts.Started,
                ["completed"] = counts.Completed,
                ["failed"] = counts.Failed,
                ["in_progress"] = counts.InProgress,
            },
        };
    }
}
