using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Scalekit.Webhooks.Telemetry;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>
/// Collects the host's own ingest duration metric (read, verify, parse, envelope, store) as the host records it, so
/// the gap between a raw send and a delivery can be split into the host's work and the HTTP round trip around it.
/// </summary>
public sealed class IngestDurations : IDisposable
{
    private readonly ConcurrentBag<double> _milliseconds = [];
    private readonly MeterListener _listener = new();

    public IngestDurations()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // Compared by name: the instrument is published while PipelineTelemetry's fields are still being set.
            if (instrument.Meter.Name == PipelineTelemetry.Name && instrument.Name == PipelineTelemetry.IngestDurationName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, value, _, _) => _milliseconds.Add(value));
        _listener.Start();
    }

    public void Clear() => _milliseconds.Clear();

    public LatencyStats Stats() => LatencyStats.From([.. _milliseconds], TimeSpan.Zero);

    public void Dispose() => _listener.Dispose();
}
