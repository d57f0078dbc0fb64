using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Hosting.Local;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Onboarding;
using Scalekit.Webhooks.Privacy;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe.Recovery;
using Scalekit.Webhooks.Stripe.Seats;

namespace Scalekit.Webhooks.LocalHost;

/// <summary>What the Functions runtime does for the Functions app, done here: provisioning, queue triggers, the start-up banner.</summary>
internal static class LocalHostServices
{
    /// <summary>Set to <c>false</c> to receive without consuming (messages then stay in their queues).</summary>
    public const string QueueTriggersSetting = "LOCAL_QUEUE_TRIGGERS_ENABLED";

    /// <summary>Set to <c>false</c> to stop the timer jobs (the dead-letter replayer, the payload retention run, the CRM sync).</summary>
    public const string TimerJobsSetting = "LOCAL_TIMERS_ENABLED";

    public static IServiceCollection AddLocalHostServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<QueueTriggerOptions, QueueTriggerOptionsValidator>(options => HostJson.BindQueueOptions(options, configuration));
        services.AddSingleton<IValidateOptions<DeadLetterOptions>, TimerScheduleValidator>();
        services.AddSingleton<IValidateOptions<RetentionOptions>, TimerScheduleValidator>();
        // A CRM schedule this host cannot run switches the CRM sync off, as any broken CRM setting does.
        services.PostConfigure<CrmOptions>(options => options.Problem ??= TimerScheduleValidator.Problem(CrmOptions.ScheduleSetting, options.Schedule));
        services.AddHostedService<StorageProvisioningService>();
        if (!string.IsNullOrWhiteSpace(configuration[FaultInjection.Setting]))
        {
            services.AddFaultInjection(configuration);
        }

        if (!string.Equals(configuration[QueueTriggersSetting], "false", StringComparison.OrdinalIgnoreCase))
        {
            // AddHostedService would keep only one of two services of the same type.
            foreach (var source in EventSources.All)
            {
                foreach (var shard in StorageNames.AllShards)
                {
                    services.AddSingleton<IHostedService>(provider => QueueTrigger(
                        provider, StorageNames.QueueFor(source.Source, shard), provider.GetRequiredService<EventConsumer>().HandleDeliveryAsync,
                        untilEmpty: shard >= provider.GetRequiredService<IOptions<EventQueueOptions>>().Value.Shards));
                }
            }

            services.AddSingleton<IHostedService>(provider => QueueTrigger(provider, StorageNames.OnboardingQueue, Body(provider.GetRequiredService<CustomerOnboarding>().HandleAsync)));
            services.AddSingleton<IHostedService>(provider => QueueTrigger(provider, StorageNames.CrmPushQueue, Body(provider.GetRequiredService<AccountPush>().HandleAsync)));
            services.AddSingleton<IHostedService>(provider => QueueTrigger(provider, StorageNames.ErasureQueue, Body(provider.GetRequiredService<ErasureJobs>().HandleAsync)));
            services.AddSingleton<IHostedService>(provider => QueueTrigger(provider, StorageNames.StripeRecoveryQueue, Body(provider.GetRequiredService<StripeEventRecovery>().HandleAsync)));
            services.AddSingleton<IHostedService>(provider => QueueTrigger(provider, StorageNames.SeatSyncQueue, Body(provider.GetRequiredService<SeatSync>().HandleAsync)));
        }

        if (!string.Equals(configuration[TimerJobsSetting], "false", StringComparison.OrdinalIgnoreCase))
        {
            services.AddSingleton<IHostedService>(provider => TimerJob(
                provider, "dead-letter replayer", provider.GetRequiredService<IOptions<DeadLetterOptions>>().Value.Schedule, provider.GetRequiredService<TimerJobs>().ReplayDeadLettersAsync));
            services.AddSingleton<IHostedService>(provider => TimerJob(
                provider, "payload retention", provider.GetRequiredService<IOptions<RetentionOptions>>().Value.Schedule, provider.GetRequiredService<TimerJobs>().RetainPayloadsAsync));
            if (CronSchedule.TryParse(configuration[CrmOptions.ScheduleSetting] ?? new CrmOptions().Schedule, out _))
            {
                services.AddSingleton<IHostedService>(provider => TimerJob(
                    provider, "CRM sync", provider.GetRequiredService<IOptions<CrmOptions>>().Value.Schedule, provider.GetRequiredService<TimerJobs>().SyncCrmAsync));
            }
            // Off by default; a schedule this host cannot run turns off only this job (StripeRecoveryOptions.Problem).
            if (StripeRecoveryOptions.ScheduleOf(configuration).Schedule is { } recoverySchedule && CronSchedule.TryParse(recoverySchedule, out _))
            {
                services.AddSingleton<IHostedService>(provider => TimerJob(
                    provider, "Stripe event recovery", recoverySchedule, provider.GetRequiredService<TimerJobs>().RecoverStripeEventsAsync));
            }
        }

        services.AddHostedService<StartupBanner>();
        return services;
    }

    /// <summary>
    /// One queue trigger. With <paramref name="untilEmpty"/> it stops once the queue is empty: an event shard above
    /// the shard count, left from a larger count, is drained as the Functions app's trigger on that queue would drain it.
    /// </summary>
    private static QueueTriggerService QueueTrigger(IServiceProvider provider, string queue, Func<QueueMessage, CancellationToken, Task> handler, bool untilEmpty = false)
    {
        var clients = provider.GetRequiredService<StorageClients>();
        var listener = new QueueTriggerListener(
            clients.Queue(queue),
            clients.Queue(queue + StorageNames.PoisonSuffix),
            handler,
            provider.GetRequiredService<IOptions<QueueTriggerOptions>>().Value,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILoggerFactory>().CreateLogger($"QueueTrigger.{queue}"));
        return new QueueTriggerService(listener, untilEmpty);
    }

    /// <summary>A handler that needs only the message's body.</summary>
    private static Func<QueueMessage, CancellationToken, Task> Body(Func<BinaryData, CancellationToken, Task> handler) => (message, cancellationToken) => handler(message.Body, cancellationToken);

    // AddHostedService would keep only one of two services of the same type.
    private static TimerJobService TimerJob(IServiceProvider provider, string name, string schedule, Func<CancellationToken, Task> run) =>
        new(name, schedule, run, provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<ILogger<TimerJobService>>());
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

/// <summary>One queue trigger: the Functions runtime's poll, retry and poison behaviour for one queue.</summary>
internal sealed class QueueTriggerService(QueueTriggerListener listener, bool untilEmpty) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        untilEmpty ? listener.DrainAsync(stoppingToken) : listener.RunAsync(stoppingToken);
}

/// <summary>A timer job (dead-letter replayer, payload retention, CRM sync) on the same cron schedule as its Functions timer trigger.</summary>
internal sealed partial class TimerJobService(string name, string schedule, Func<CancellationToken, Task> run, TimeProvider time, ILogger<TimerJobService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var cron = CronSchedule.Parse(schedule);
        while (!stoppingToken.IsCancellationRequested)
        {
            var due = cron.Next(time.GetUtcNow());
            try
            {
                await Task.Delay(due - time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero, time, stoppingToken);
                await run(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogRunFailed(logger, ex, name);
            }
        }
    }

    [LoggerMessage(4002, LogLevel.Error, "Timer job {Job} failed; the next run will retry")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, string job);
}
