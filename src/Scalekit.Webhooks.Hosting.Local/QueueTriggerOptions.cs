using Microsoft.Extensions.Options;

namespace Scalekit.Webhooks.Hosting.Local;

/// <summary>
/// Queue-trigger behaviour for hosts that poll queues themselves. The defaults equal the values in <c>host.json</c>,
/// so the local host retries and poisons messages exactly as Azure Functions does.
/// </summary>
public sealed class QueueTriggerOptions
{
    // As operators spell them (app settings and environment variables use '__' for host.json's sections).
    public const string BatchSizeSetting = "AzureFunctionsJobHost__extensions__queues__batchSize";
    public const string MaxDequeueCountSetting = "AzureFunctionsJobHost__extensions__queues__maxDequeueCount";
    public const string VisibilityTimeoutSetting = "AzureFunctionsJobHost__extensions__queues__visibilityTimeout";
    public const string MaxPollingIntervalSetting = "AzureFunctionsJobHost__extensions__queues__maxPollingInterval";
    public const string ProcessingLeaseSetting = "LOCAL_QUEUE_PROCESSING_LEASE_SECONDS";

    /// <summary>Messages fetched per poll (host.json <c>batchSize</c>).</summary>
    [SettingRange(BatchSizeSetting, 1, 32)]
    public int BatchSize { get; set; } = 16;

    /// <summary>Attempts before a message moves to <c>&lt;queue&gt;-poison</c> (host.json <c>maxDequeueCount</c>).</summary>
    [SettingRange(MaxDequeueCountSetting, 1, 100)]
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>How long a failed message stays invisible before its next attempt (host.json <c>visibilityTimeout</c>).</summary>
    [SettingRange(VisibilityTimeoutSetting, "00:00:00", "7.00:00:00")]
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a message being processed stays hidden from other consumers.</summary>
    [SettingRange(ProcessingLeaseSetting, 1, 3600, TimeUnit.Seconds)]
    public TimeSpan ProcessingLease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest wait between polls of an empty queue (host.json <c>maxPollingInterval</c>).</summary>
    [SettingRange(MaxPollingIntervalSetting, "00:00:00.1", "00:10:00")]
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(2);
}

[OptionsValidator]
public sealed partial class QueueTriggerOptionsValidator : IValidateOptions<QueueTriggerOptions>;
