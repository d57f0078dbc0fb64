using Scalekit.Webhooks.Billing;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.LocalHost;

/// <summary>What the Functions runtime does for the Functions app, done here: provisioning, queue triggers, the start-up banner.</summary>
internal static class LocalHostServices
{
    /// <summary>Set to <c>false</c> to receive without consuming (messages then stay in their queues).</summary>
    public const string QueueTriggersSetting = "LOCAL_QUEUE_TRIGGERS_ENABLED";

    /// <summary>Set to <c>false</c> to stop the timer jobs (the dead-letter replayer).</summary>
    public const string TimerJobsSetting = "LOCAL_TIMERS_ENABLED";

    public static IServiceCollection AddLocalHostServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddHostedService<StorageProvisioningService>();
        if (!string.Equals(configuration[QueueTriggersSetting], "false", StringComparison.OrdinalIgnoreCase))
        {
            // AddHostedService would keep only one of two services of the same type.
            services.AddSingleton<IHostedService>(provider => new QueueTriggerService(provider, WebhookSource.Scalekit));
            services.AddSingleton<IHostedService>(provider => new QueueTriggerService(provider, WebhookSource.Stripe));
        }

        if (!string.Equals(configuration[TimerJobsSetting], "false", StringComparison.OrdinalIgnoreCase))
        {
            services.AddHostedService<DeadLetterTimerService>();
        }

        services.AddHostedService<StartupBanner>();
        return services;
    }
}

/// <summary>Creates queues, containers and tables before anything else runs, waiting for storage to come up.</summary>
internal sealed partial class StorageProvisioningService(StorageProvisioner provisioner, TimeProvider time, ILogger<StorageProvisioningService> logger) : IHostedService
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            try
            {
                await provisioner.EnsureCreatedAsync(cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && time.GetElapsedTime(started) < MaxWait)
            {
                LogWaiting(logger, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(4001, LogLevel.Warning, "Storage is not reachable yet ({Reason}); retrying")]
    private static partial void LogWaiting(ILogger logger, string reason);
}

/// <summary>One queue trigger: the Functions runtime's poll, retry and poison behaviour for one event queue.</summary>
internal sealed class QueueTriggerService(IServiceProvider provider, WebhookSource source) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var clients = provider.GetRequiredService<StorageClients>();
        var consumer = provider.GetRequiredService<EventConsumer>();
        var listener = new QueueTriggerListener(
            clients.Queue(StorageNames.QueueFor(source)),
            clients.Queue(StorageNames.PoisonQueueFor(source)),
            consumer.HandleAsync,
            provider.GetRequiredService<IOptions<QueueTriggerOptions>>().Value,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILoggerFactory>().CreateLogger($"QueueTrigger.{source}"));
        return listener.RunAsync(stoppingToken);
    }
}

/// <summary>The dead-letter replayer and the late-link re-check on the same cron schedule as the Functions timer triggers.</summary>
internal sealed partial class DeadLetterTimerService(DeadLetterReplayer replayer, LateLinkSync lateLinks, IOptions<DeadLetterOptions> options, TimeProvider time, ILogger<DeadLetterTimerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var schedule = CronSchedule.Parse(options.Value.Schedule);
        while (!stoppingToken.IsCancellationRequested)
        {
            var due = schedule.Next(time.GetUtcNow());
            try
            {
                await Task.Delay(due - time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero, time, stoppingToken);
                await replayer.RunOnceAsync(stoppingToken);
                await lateLinks.RecheckAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogRunFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(4002, LogLevel.Error, "Dead-letter replayer run failed; the next run will retry")]
    private static partial void LogRunFailed(ILogger logger, Exception exception);
}
