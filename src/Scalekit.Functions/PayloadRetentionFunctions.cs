using Microsoft.Azure.Functions.Worker;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Privacy;

namespace Scalekit.Functions;

/// <summary>The daily payload retention run, on the cron in the PAYLOAD_RETENTION_SCHEDULE setting.</summary>
public sealed class PayloadRetentionFunctions(TimerJobs jobs)
{
    [Function(nameof(PayloadRetentionRun))]
    public Task PayloadRetentionRun([TimerTrigger("%" + RetentionOptions.ScheduleSetting + "%")] TimerInfo timer, CancellationToken cancellationToken) =>
        jobs.RetainPayloadsAsync(cancellationToken);
}
