using Microsoft.Azure.Functions.Worker;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Functions;

/// <summary>The poison-queue replayer, then the late-link re-check, on the cron in the DEADLETTER_REPLAY_SCHEDULE setting.</summary>
public sealed class DeadLetterFunctions(DeadLetterReplayer replayer, LateLinkSync lateLinks)
{
    [Function(nameof(DeadLetterReplay))]
    public async Task DeadLetterReplay([TimerTrigger("%" + DeadLetterOptions.ScheduleSetting + "%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        await replayer.RunOnceAsync(cancellationToken);
        await lateLinks.RecheckAsync(cancellationToken);
    }
}
