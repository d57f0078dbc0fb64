using Microsoft.Azure.Functions.Worker;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Hosting;

namespace Scalekit.Functions;

/// <summary>The poison-queue replayer, then the late-link re-check, on the cron in the DEADLETTER_REPLAY_SCHEDULE setting.</summary>
public sealed class DeadLetterFunctions(TimerJobs jobs)
{
    [Function(nameof(DeadLetterReplay))]
    public Task DeadLetterReplay([TimerTrigger("%" + DeadLetterOptions.ScheduleSetting + "%")] TimerInfo timer, CancellationToken cancellationToken) =>
        jobs.ReplayDeadLettersAsync(cancellationToken);
}
