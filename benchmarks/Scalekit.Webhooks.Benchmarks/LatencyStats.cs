namespace Scalekit.Webhooks.Benchmarks;

/// <summary>Throughput and latency percentiles of one measured phase.</summary>
public sealed record LatencyStats(int Count, TimeSpan Elapsed, double P50, double P95, double P99)
{
    public double PerSecond => Count / Elapsed.TotalSeconds;

    public static LatencyStats From(List<double> latenciesMs, TimeSpan elapsed)
    {
        latenciesMs.Sort();
        return new LatencyStats(latenciesMs.Count, elapsed, Percentile(latenciesMs, 0.50), Percentile(latenciesMs, 0.95), Percentile(latenciesMs, 0.99));
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
