using System.Globalization;
using Scalekit.Webhooks.Benchmarks;
using Xunit.Abstractions;

namespace Scalekit.Webhooks.Benchmarks.Tests;

/// <summary>
/// The paired verification measurement at a few rounds: that every verifier and body size gets its line and that the
/// verdict and statistics are computed as documented. Times are not checked (load moves them); allocations are exact.
/// </summary>
public class VerificationTargetsTests(ITestOutputHelper output)
{
    private static readonly PairedRoundsOptions FewRounds = new(3, TimeSpan.FromMilliseconds(0.02), TimeSpan.FromMilliseconds(5));

    [Fact]
    public void Run_PrintsEveryVerifierAtEveryBodySizeWithAControl_AndNoVerifierAllocates()
    {
        using var writer = new StringWriter();
        VerificationTargets.Run(FewRounds, [], writer);
        output.WriteLine(writer.ToString());
        var rows = writer.ToString().Split('\n', StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith("| ", StringComparison.Ordinal) && !line.StartsWith("| Verifier", StringComparison.Ordinal))
            .Select(line => line.Split('|', StringSplitOptions.TrimEntries)).ToArray();

        Assert.Equal(3 * 6, rows.Length);
        foreach (var category in new[] { "control", "scalekit", "stripe", "bamboohr", "hibob", "merge" })
        {
            Assert.Equal(["1024", "16384", "262144"], rows.Where(row => row[1].StartsWith(category, StringComparison.Ordinal)).Select(row => row[2]));
        }

        foreach (var verifier in rows.Where(row => !row[1].StartsWith("control", StringComparison.Ordinal)))
        {
            // Exact whatever the load, and nothing at any JIT tier: after a few rounds some code is not at its final
            // tier yet, where an enumerator (BambooHR's header check once used one) would still allocate.
            var allocated = verifier[6].Split(" / ").Select(bytes => double.Parse(bytes, CultureInfo.InvariantCulture)).ToArray();
            Assert.True(allocated[0] == 0 && allocated[1] > 0, $"{verifier[1]} at {verifier[2]} B allocates: {verifier[6]}");
            Assert.Contains(verifier[8], new[] { "met", "missed" });
        }
    }

    [Fact]
    public void Run_MeasuresOnlyTheSchemesAskedFor()
    {
        using var writer = new StringWriter();
        VerificationTargets.Run(FewRounds, ["hibob"], writer);

        var rows = writer.ToString().Split('\n').Where(line => line.StartsWith("| hibob: ", StringComparison.Ordinal) || line.StartsWith("| merge: ", StringComparison.Ordinal));
        Assert.Equal(3, rows.Count(row => row.StartsWith("| hibob: HiBobVerifier (SHA-512) |", StringComparison.Ordinal)));
        Assert.Equal(3, rows.Count());
    }

    [Theory]
    [InlineData(1.10, 0, 280, true)]
    [InlineData(0.62, 280, 280, true)]
    [InlineData(1.11, 0, 280, false)]
    [InlineData(0.90, 24, 0, false)]
    public void Met_IsTheMedianRatioWithinTheTarget_AndNoMoreAllocatedThanTheBaseline(double median, double verifierBytes, double baselineBytes, bool met)
    {
        var ratio = new PairedRatio(new Quartiles(median / 2, median, median * 2), new SideCost(1, baselineBytes), new SideCost(median, verifierBytes), 0);

        Assert.Equal(met, VerificationTargets.Met(ratio));
    }

    [Theory]
    [InlineData(new[] { 5.0, 1, 3, 2, 4 }, 2.0, 3.0, 4.0)]
    [InlineData(new[] { 4.0, 1, 3, 2 }, 1.75, 2.5, 3.25)]
    [InlineData(new[] { 7.0 }, 7.0, 7.0, 7.0)]
    public void Quartiles_InterpolateBetweenTheClosestRanks(double[] values, double lower, double median, double upper)
    {
        Assert.Equal(new Quartiles(lower, median, upper), Quartiles.Of(values));
    }

    [Fact]
    public void Measure_CountsEachSidesAllocationsPerOperationExactly()
    {
        byte[]? kept = null;

        var ratio = PairedRounds.Measure(() => kept = new byte[1000], () => kept = null, FewRounds);

        // A 1,000-byte array is 1,024 bytes on the heap of a 64-bit process (header, method table, length).
        Assert.Equal(1024, ratio.Baseline.BytesPerOperation);
        Assert.Equal(0, ratio.Candidate.BytesPerOperation);
        Assert.True(ratio.Ratio.Lower <= ratio.Ratio.Median && ratio.Ratio.Median <= ratio.Ratio.Upper,
            string.Create(CultureInfo.InvariantCulture, $"quartiles out of order: {ratio.Ratio}"));
        GC.KeepAlive(kept);
    }
}
