using Microsoft.Azure.Functions.Worker;
using Scalekit.Webhooks.DeadLetters;

namespace Scalekit.Functions;

/// <summary>The poison-queue replayer, on the cron in the DEADLETTER_REPLAY_SCHEDULE setting.</summary>
public sealed class DeadLetterFunctions(DeadLetterReplayer replayer)
{
    [Function(nameof(DeadLetterReplay))]
    public Task DeadLetterReplay([TimerTrigger("%" + DeadLetterOptions.ScheduleSetting + "%")] TimerInfo timer, CancellationToken cancellationToken) =>
        replayer.RunOnceAsync(cancellationToken);
}
