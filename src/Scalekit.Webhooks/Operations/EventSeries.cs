namespace Scalekit.Webhooks.Operations;

/// <summary>
/// Counts per time bucket over a stats window: events ingested, processed, failed and parked, and the processing
/// latency p50/p95 of the events completed in each bucket. Buckets are one minute up to a day's window and grow so a
/// window never has more than <see cref="MaxBuckets"/>.
/// </summary>
public sealed class EventSeries
{
    public const int MaxBuckets = 1440;

    private static readonly TimeSpan[] Steps =
        [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1), TimeSpan.FromHours(6)];

    private readonly int[] ingested;
    private readonly int[] processed;
    private readonly int[] failed;
    private readonly int[] parked;
    private readonly List<double>?[] latencies;

    public EventSeries(DateTimeOffset since, DateTimeOffset until)
    {
        Bucket = BucketFor(until - since);
        var ticks = Bucket.Ticks;
        Start = new DateTimeOffset(since.UtcTicks / ticks * ticks, TimeSpan.Zero);
        var count = (int)Math.Max(1, (until.UtcTicks - Start.UtcTicks + ticks - 1) / ticks);
        ingested = new int[count];
        processed = new int[count];
        failed = new int[count];
        parked = new int[count];
        latencies = new List<double>?[count];
    }

    public DateTimeOffset Start { get; }

    public TimeSpan Bucket { get; }

    /// <summary>The smallest bucket (1, 5, 10, 15, 30 minutes, 1 or 6 hours) that covers <paramref name="window"/> in at most <see cref="MaxBuckets"/>.</summary>
    public static TimeSpan BucketFor(TimeSpan window) =>
        Steps.FirstOrDefault(step => window.Ticks <= step.Ticks * MaxBuckets, Steps[^1]);

    public void Ingested(DateTimeOffset at) => Add(ingested, at);

    public void Processed(DateTimeOffset at, double? latencyMs)
    {
        if (Index(at) is not { } index)
        {
            return;
        }

        processed[index]++;
        if (latencyMs is { } latency)
        {
            (latencies[index] ??= []).Add(latency);
        }
    }

    public void Failed(DateTimeOffset at) => Add(failed, at);

    public void Parked(DateTimeOffset at) => Add(parked, at);

    public EventSeriesView ToView()
    {
        foreach (var bucket in latencies)
        {
            bucket?.Sort();
        }

        return new EventSeriesView(
            Start,
            (long)Bucket.TotalSeconds,
            ingested,
            processed,
            failed,
            parked,
            [.. latencies.Select(bucket => bucket is null ? null : Percentile(bucket, 0.50))],
            [.. latencies.Select(bucket => bucket is null ? null : Percentile(bucket, 0.95))]);
    }

    /// <summary>The value below which <paramref name="p"/> of the sorted samples fall (nearest rank), to 0.1 ms.</summary>
    public static double? Percentile(List<double> sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        return sorted.Count == 0 ? null : Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)], 1);
    }

    private void Add(int[] counts, DateTimeOffset at)
    {
        if (Index(at) is { } index)
        {
            counts[index]++;
        }
    }

    private int? Index(DateTimeOffset at)
    {
        var index = (at.UtcTicks - Start.UtcTicks) / Bucket.Ticks;
        return at.UtcTicks >= Start.UtcTicks && index < ingested.Length ? (int)index : null;
    }
}
