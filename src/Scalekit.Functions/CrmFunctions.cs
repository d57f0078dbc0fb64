using Microsoft.Azure.Functions.Worker;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Functions;

/// <summary>The CRM sync: the scheduled Salesforce → Scalekit run (CRM_SYNC_SCHEDULE) and the Scalekit → Salesforce account updates.</summary>
public sealed class CrmFunctions(TimerJobs jobs, AccountPush push)
{
    [Function(nameof(CrmSync))]
    public Task CrmSync([TimerTrigger("%" + CrmOptions.ScheduleSetting + "%")] TimerInfo timer, CancellationToken cancellationToken) =>
        jobs.SyncCrmAsync(cancellationToken);

    [Function(nameof(CrmAccountPush))]
    public Task CrmAccountPush(
        [QueueTrigger(StorageNames.CrmPushQueue, Connection = "AzureWebJobsStorage")] BinaryData message,
        CancellationToken cancellationToken) => push.HandleAsync(message, cancellationToken);
}
