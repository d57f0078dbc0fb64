using Microsoft.Azure.Functions.Worker;
using Scalekit.Webhooks.Billing;
using Scalekit.Webhooks.DeadLetters;

namespace Scalekit.Functions;

/// <summary>The poison-queue replayer and the late-link re-check, on the cron in the DEADLETTER_REPLAY_SCHEDULE setting.</summary>
public sealed class DeadLetterFunctions(DeadLetterReplayer replayer, LateLinkSync lateLinks)
{
    [Function(nameof(DeadLetterReplay))]
    public Task DeadLetterReplay([TimerTrigger("%" + DeadLetterOptions.ScheduleSetting + "%")] TimerInfo timer, CancellationToken cancellationToken) =>
        replayer.RunOnceAsync(cancellationToken);

    [Function(nameof(LateLinkRecheck))]
    public Task LateLinkRecheck([TimerTrigger("%" + DeadLetterOptions.ScheduleSetting + "%")] TimerInfo timer, CancellationToken cancellationToken) =>
        lateLinks.RecheckAsync(cancellationToken);
}
