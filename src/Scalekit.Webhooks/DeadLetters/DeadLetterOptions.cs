using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.DeadLetters;

/// <summary>How the replayer works the poison queues.</summary>
public sealed class DeadLetterOptions
{
    public const string ScheduleSetting = "DEADLETTER_REPLAY_SCHEDULE";
    public const string MaxReplaysSetting = "DEADLETTER_MAX_REPLAYS";
    public const string BaseDelaySetting = "DEADLETTER_REPLAY_BASE_DELAY_SECONDS";
    public const string LeaseSetting = "DEADLETTER_REPLAY_LEASE_SECONDS";

    /// <summary>Six-field cron (seconds first), as the Functions timer trigger reads it. Default: every 5 minutes.</summary>
    public string Schedule { get; set; } = "0 */5 * * * *";

    /// <summary>Replays of one event before it is parked as permanently failed. Default 5.</summary>
    [SettingRange(MaxReplaysSetting, 0, 100)]
    public int MaxReplays { get; set; } = 5;

    /// <summary>Delay before the first replay is visible; it doubles with each replay. Default 60 s.</summary>
    [SettingRange(BaseDelaySetting, 0, 86400, TimeUnit.Seconds)]
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Longest delay between replays. Default 1 hour.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a poison message stays hidden while the replayer handles it; after a crash it reappears then.</summary>
    [SettingRange(LeaseSetting, 1, 3600, TimeUnit.Seconds)]
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The least lease a received message must have left for the replayer to send it on or park it; with less it is
    /// left to reappear, because a lease that runs out before the delete lets another receive send it again. Half the lease.
    /// </summary>
    public TimeSpan LeaseMargin => Lease / 2;

    /// <summary>
    /// A batch (receive, sends, deletes) taking longer than this means requests are queuing at the store: the replayer
    /// then takes fewer and smaller batches, and more again once they take under half of it (<see cref="ReplayPace"/>).
    /// A quarter of the lease or of one storage try's timeout (<see cref="StorageRetry.NetworkTimeout"/>), whichever is
    /// less: a batch is three round trips one after another, on a queuing store some requests wait twice as long as
    /// others, and a request that times out is tried again, so a send the store carried out late is sent twice.
    /// </summary>
    public TimeSpan SlowBatch => TimeSpan.FromTicks(Math.Min(Lease.Ticks, StorageRetry.Default.NetworkTimeout.Ticks) / 4);

    /// <summary>Messages read from a poison queue at once, at most (the queue service allows 32); fewer on a slow store.</summary>
    [Range(1, 32)]
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// Batches of <see cref="BatchSize"/> one poison queue has in flight at once, at most: the replayer starts with one
    /// and grows to this while batches finish within half of <see cref="SlowBatch"/> (<see cref="ReplayPace"/>). Default 8.
    /// </summary>
    [Range(1, 64)]
    public int ConcurrentBatches { get; set; } = 8;

    /// <summary>
    /// How long one run takes new batches; it then finishes those in flight and stops, and the next run continues.
    /// Default 4 minutes, under the 5-minute <c>functionTimeout</c> in host.json.
    /// </summary>
    public TimeSpan RunBudget { get; set; } = TimeSpan.FromMinutes(4);

    /// <summary>The delay before replay number <paramref name="replayCount"/> + 1.</summary>
    public TimeSpan DelayFor(int replayCount) =>
        TimeSpan.FromTicks(Math.Min(BaseDelay.Ticks * (1L << Math.Clamp(replayCount, 0, 20)), MaxDelay.Ticks));

    internal static void Bind(DeadLetterOptions options, IConfiguration configuration)
    {
        options.Schedule = SettingValue.Cron(configuration, ScheduleSetting, options.Schedule);

        options.MaxReplays = SettingValue.WholeNumber(configuration, MaxReplaysSetting, options.MaxReplays);
        options.Lease = SettingValue.Duration(configuration, LeaseSetting, options.Lease, TimeUnit.Seconds);
        options.BaseDelay = SettingValue.Duration(configuration, BaseDelaySetting, options.BaseDelay, TimeUnit.Seconds);
    }
}

[OptionsValidator]
internal sealed partial class DeadLetterOptionsValidator : IValidateOptions<DeadLetterOptions>;
