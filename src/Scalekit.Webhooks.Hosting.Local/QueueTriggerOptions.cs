namespace Scalekit.Webhooks.Hosting.Local;

/// <summary>
/// Queue-trigger behaviour for hosts that poll queues themselves. The defaults equal the values in <c>host.json</c>,
/// so the local host retries and poisons messages exactly as Azure Functions does.
/// </summary>
public sealed class QueueTriggerOptions
{
    /// <summary>Messages fetched per poll (host.json <c>batchSize</c>).</summary>
    public int BatchSize { get; set; } = 16;

    /// <summary>Attempts before a message moves to <c>&lt;queue&gt;-poison</c> (host.json <c>maxDequeueCount</c>).</summary>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>How long a failed message stays invisible before its next attempt (host.json <c>visibilityTimeout</c>).</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a message being processed stays hidden from other consumers.</summary>
    public TimeSpan ProcessingLease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest wait between polls of an empty queue (host.json <c>maxPollingInterval</c>).</summary>
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(2);
}
