using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Http;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe.Recovery;

namespace Scalekit.Functions;

/// <summary>
/// Recovery of missed Stripe events: the operations routes that start and read a run, its queue (retries and the
/// poison move are the runtime's), and the scheduled run on STRIPE_RECONCILE_SCHEDULE.
/// </summary>
public sealed class StripeRecoveryFunctions(StripeEventRecovery recovery, RecoveryRequestHandler handler, TimerJobs jobs)
{
    [Function(nameof(OpsReconcileStripe))]
    public async Task<IActionResult> OpsReconcileStripe([HttpTrigger(AuthorizationLevel.Function, "post", Route = OpsRoutes.ReconcileStripe)] HttpRequest request)
    {
        await handler.StartStripeAsync(request.HttpContext);
        return new EmptyResult();
    }

    [Function(nameof(OpsReconcile))]
    public async Task<IActionResult> OpsReconcile([HttpTrigger(AuthorizationLevel.Function, "get", Route = OpsRoutes.Reconcile)] HttpRequest request, string id)
    {
        await handler.StatusAsync(request.HttpContext, id);
        return new EmptyResult();
    }

    [Function(nameof(StripeReconcileRun))]
    public Task StripeReconcileRun(
        [QueueTrigger(StorageNames.StripeRecoveryQueue, Connection = "AzureWebJobsStorage")] BinaryData message,
        CancellationToken cancellationToken) => recovery.HandleAsync(message, cancellationToken);

    [Function(nameof(StripeReconcileSchedule))]
    public Task StripeReconcileSchedule([TimerTrigger("%" + StripeRecoveryOptions.ScheduleSetting + "%")] TimerInfo timer, CancellationToken cancellationToken) =>
        jobs.RecoverStripeEventsAsync(cancellationToken);
}
