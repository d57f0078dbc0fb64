using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Scalekit.Webhooks.Telemetry;

/// <summary>
/// The pipeline's OpenTelemetry signals: one activity source for traces and one meter. Every instrument is tagged with
/// the source, and where known the event type and outcome; event ids go on traces, never on metric tags.
/// </summary>
public static class PipelineTelemetry
{
    public const string Name = "Scalekit.Functions";

    public static readonly ActivitySource Traces = new(Name);

    private static readonly Meter Meter = new(Name);

    /// <summary>Deliveries answered, by source and result (accepted, a rejection reason, unavailable).</summary>
    public static readonly Counter<long> IngestRequests = Meter.CreateCounter<long>("scalekit_functions.ingest.requests", "{request}", "Webhook deliveries answered");

    /// <summary>Name of <see cref="IngestDuration"/>.</summary>
    public const string IngestDurationName = "scalekit_functions.ingest.duration";

    /// <summary>Time to answer a delivery, by source and result.</summary>
    public static readonly Histogram<double> IngestDuration = Meter.CreateHistogram<double>(IngestDurationName, "ms", "Time to verify, store and answer a delivery");

    /// <summary>Events finished, by source, type and ledger status.</summary>
    public static readonly Counter<long> EventsProcessed = Meter.CreateCounter<long>("scalekit_functions.events.processed", "{event}", "Events processed, by outcome");

    /// <summary>Failed processing attempts that the queue will retry, by source and type.</summary>
    public static readonly Counter<long> ProcessingRetries = Meter.CreateCounter<long>("scalekit_functions.events.retries", "{attempt}", "Failed attempts left for the queue to retry");

    /// <summary>Time from receipt to a final status, by source and status.</summary>
    public static readonly Histogram<double> ProcessingLatency = Meter.CreateHistogram<double>("scalekit_functions.events.latency", "ms", "Time from receipt to a final status");

    /// <summary>Messages in a poison queue when the replayer looked, by source.</summary>
    public static readonly Gauge<long> PoisonDepth = Meter.CreateGauge<long>("scalekit_functions.poison.depth", "{message}", "Messages waiting in a poison queue");

    /// <summary>Messages the replayer sent back, by source.</summary>
    public static readonly Counter<long> Replayed = Meter.CreateCounter<long>("scalekit_functions.deadletters.replayed", "{message}", "Poison messages sent back for another try");

    /// <summary>Events parked as permanently failed, by source.</summary>
    public static readonly Counter<long> Parked = Meter.CreateCounter<long>("scalekit_functions.deadletters.parked", "{event}", "Events parked as permanently failed");
}
