using System.Diagnostics;
using System.Runtime;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>
/// Times a candidate against its baseline in alternating short batches of the same work. A round is four batches,
/// baseline, candidate, candidate, baseline, so both sides run at the same moments and in both orders: a change in the
/// machine's load within a round hits both alike, and one between rounds moves both. The candidate's cost is the median
/// of the rounds' ratios; a round the scheduler interrupted is an outlier the median ignores, and the quartiles say how
/// steady the ratio was.
/// </summary>
public static class PairedRounds
{
    public static PairedRatio Measure(Action baseline, Action candidate, PairedRoundsOptions options)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(options);
        WarmUp(baseline, candidate, options.WarmupTime);
        var perBatch = OperationsPerBatch(baseline, options.BatchTime);
        var compiledBefore = JitInfo.GetCompiledMethodCount();
        var ratios = new double[options.Rounds];
        var baselineTicks = new double[options.Rounds];
        var candidateTicks = new double[options.Rounds];
        for (var round = 0; round < options.Rounds; round++)
        {
            (baselineTicks[round], candidateTicks[round]) = Round(baseline, candidate, perBatch);
            ratios[round] = candidateTicks[round] / baselineTicks[round];
        }

        var compiledWhileTimed = (int)(JitInfo.GetCompiledMethodCount() - compiledBefore);
        var allocationCount = Math.Max(perBatch * 8, 64);
        return new PairedRatio(
            Quartiles.Of(ratios),
            new SideCost(Microseconds(baselineTicks, 2 * perBatch), BytesPerOperation(baseline, allocationCount)),
            new SideCost(Microseconds(candidateTicks, 2 * perBatch), BytesPerOperation(candidate, allocationCount)),
            compiledWhileTimed);
    }

    /// <summary>
    /// Runs both sides until three windows in a row compile no method: the tiered JIT recompiles hot code in the
    /// background (a loaded machine delays it), and code not yet at its final tier is slower and may allocate more.
    /// </summary>
    private static void WarmUp(Action baseline, Action candidate, TimeSpan window)
    {
        const int MaxWindows = 25, QuietWindows = 3;
        var quietWindows = 0;
        for (var windows = 0; windows < MaxWindows && quietWindows < QuietWindows; windows++)
        {
            var compiled = JitInfo.GetCompiledMethodCount();
            var elapsed = Stopwatch.StartNew();
            do
            {
                Round(baseline, candidate, 1);
            }
            while (elapsed.Elapsed < window);

            quietWindows = JitInfo.GetCompiledMethodCount() == compiled ? quietWindows + 1 : 0;
        }
    }

    private static (long Baseline, long Candidate) Round(Action baseline, Action candidate, int perBatch)
    {
        var baselineTicks = Time(baseline, perBatch);
        var candidateTicks = Time(candidate, perBatch);
        candidateTicks += Time(candidate, perBatch);
        baselineTicks += Time(baseline, perBatch);
        return (baselineTicks, candidateTicks);
    }

    private static long Time(Action action, int count)
    {
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            action();
        }

        return Stopwatch.GetTimestamp() - start;
    }

    /// <summary>The fewest operations of the baseline that take at least <paramref name="batchTime"/>.</summary>
    private static int OperationsPerBatch(Action baseline, TimeSpan batchTime)
    {
        var count = 1;
        while (Stopwatch.GetElapsedTime(0, Time(baseline, count)) < batchTime && count < 1 << 20)
        {
            count *= 2;
        }

        return count;
    }

    private static double Microseconds(double[] roundTicks, int operationsPerRound) =>
        Quartiles.Of(roundTicks).Median * 1_000_000 / Stopwatch.Frequency / operationsPerRound;

    /// <summary>Exact for this thread, so independent of the load, unlike the times.</summary>
    private static double BytesPerOperation(Action action, int count)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < count; i++)
        {
            action();
        }

        return (double)(GC.GetAllocatedBytesForCurrentThread() - before) / count;
    }
}

/// <param name="Rounds">How many rounds of four batches are timed.</param>
/// <param name="BatchTime">The least time one batch of the baseline takes; shorter batches follow a load that changes faster.</param>
/// <param name="WarmupTime">One window of the untimed warm-up, which lasts until three windows in a row compile no method.</param>
public sealed record PairedRoundsOptions(int Rounds, TimeSpan BatchTime, TimeSpan WarmupTime)
{
    public static PairedRoundsOptions Default { get; } = new(1000, TimeSpan.FromMilliseconds(0.25), TimeSpan.FromMilliseconds(150));
}
