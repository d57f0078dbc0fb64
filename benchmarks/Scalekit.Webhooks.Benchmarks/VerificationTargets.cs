using System.Globalization;
using BenchmarkDotNet.Reports;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>
/// Reads a verification summary against its targets: each verifier within 1.1× of the bare HMAC of its group, and
/// allocating no more than the baseline does, at every body size.
/// </summary>
public static class VerificationTargets
{
    public const double MaxTimeRatio = 1.1;

    public static bool Check(Summary summary, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(output);
        if (summary.Reports.Length == 0 || summary.Reports.Any(r => !r.Success || r.ResultStatistics is null))
        {
            output.WriteLine("verification benchmarks did not all run; see the log above");
            return false;
        }

        var allMet = true;
        foreach (var group in summary.Reports.GroupBy(r => (Category: r.BenchmarkCase.Descriptor.Categories[0], Body: r.BenchmarkCase.Parameters["BodyBytes"])))
        {
            var baseline = group.Single(r => r.BenchmarkCase.Descriptor.Baseline);
            foreach (var candidate in group.Where(r => !r.BenchmarkCase.Descriptor.Baseline))
            {
                var ratio = candidate.ResultStatistics!.Mean / baseline.ResultStatistics!.Mean;
                var allocated = candidate.GcStats.GetBytesAllocatedPerOperation(candidate.BenchmarkCase) ?? 0;
                var baselineAllocated = baseline.GcStats.GetBytesAllocatedPerOperation(baseline.BenchmarkCase) ?? 0;
                var met = ratio <= MaxTimeRatio && allocated <= baselineAllocated;
                allMet &= met;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{group.Key.Category,-8} {group.Key.Body,7} B: {ratio:F2}× the bare HMAC, {allocated} B allocated (baseline {baselineAllocated} B): {(met ? "met" : "missed")}"));
            }
        }

        return allMet;
    }
}
