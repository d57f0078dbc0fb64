namespace Scalekit.Webhooks.Benchmarks;

/// <summary>The candidate's time as a ratio of the baseline's, per round, and each side's cost per operation.</summary>
/// <param name="Ratio">Quartiles of the rounds' candidate ÷ baseline times.</param>
/// <param name="Baseline">The baseline's cost per operation.</param>
/// <param name="Candidate">The candidate's cost per operation.</param>
/// <param name="CompiledWhileTimed">Methods the JIT compiled during the timed rounds: more than a few and the warm-up was too short.</param>
public sealed record PairedRatio(Quartiles Ratio, SideCost Baseline, SideCost Candidate, int CompiledWhileTimed);

/// <param name="Microseconds">Median time of one operation over the rounds.</param>
/// <param name="BytesPerOperation">Bytes allocated on the heap by one operation, counted apart from the timed rounds.</param>
public sealed record SideCost(double Microseconds, double BytesPerOperation);

public sealed record Quartiles(double Lower, double Median, double Upper)
{
    public static Quartiles Of(IReadOnlyCollection<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            throw new ArgumentException("No values to take quartiles of.", nameof(values));
        }

        var sorted = values.Order().ToArray();
        return new Quartiles(At(sorted, 0.25), At(sorted, 0.5), At(sorted, 0.75));
    }

    // Linear interpolation between the closest ranks.
    private static double At(double[] sorted, double quantile)
    {
        var position = quantile * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
    }
}
