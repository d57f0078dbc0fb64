using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Privacy;
using Scalekit.Webhooks.Stripe;
using Scalekit.Webhooks.Stripe.Recovery;

namespace Scalekit.Webhooks.Hosting;

/// <summary>
/// What each timer runs, in order. Both hosts call these, so a job's sequence is written once and a host only binds
/// a schedule to it.
/// </summary>
public sealed class TimerJobs(DeadLetterReplayer replayer, LateLinkSync lateLinks, PayloadRetention retention, CrmScheduledSync crm, StripeEventRecovery stripeRecovery)
{
    /// <summary>
    /// The poison-queue replayer, then the late-link re-check: a replayed organization event may be the link a
    /// waiting customer needed, and the re-check runs in what is left of the timer's budget.
    /// </summary>
    public async Task ReplayDeadLettersAsync(CancellationToken cancellationToken)
    {
        await replayer.RunOnceAsync(cancellationToken).ConfigureAwait(false);
        await lateLinks.RecheckAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task RetainPayloadsAsync(CancellationToken cancellationToken) => retention.RunOnceAsync(cancellationToken);

    public Task SyncCrmAsync(CancellationToken cancellationToken) => crm.RunOnceAsync(cancellationToken);

    public Task RecoverStripeEventsAsync(CancellationToken cancellationToken) => stripeRecovery.RunScheduledAsync(cancellationToken);
}
