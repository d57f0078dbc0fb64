using System.Globalization;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>
/// <c>bench verify</c>: every verifier against the bare HMAC of the same bytes at each body size, measured in alternating
/// rounds (<see cref="PairedRounds"/>) so a loaded machine moves both sides alike. Targets: the median of the rounds'
/// ratios within 1.1×, and no more allocated than the baseline (nothing that grows with the body). A control pair, the
/// baseline against itself, shows how far the run's noise alone moves a ratio.
/// </summary>
public static class VerificationTargets
{
    public const double MaxTimeRatio = 1.1;

    public static IReadOnlyList<int> BodySizes { get; } = [1024, 16 * 1024, 256 * 1024];

    /// <param name="options">How many rounds, and how long a batch and the warm-up take.</param>
    /// <param name="categories">The schemes to measure (scalekit, stripe, bamboohr, hibob, merge); empty for all.</param>
    /// <param name="output">Where the table goes: one line per verifier and body size, saying whether its target was met.</param>
    public static bool Run(PairedRoundsOptions options, IReadOnlyCollection<string> categories, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{options.Rounds} rounds of baseline, verifier, verifier, baseline; batches of at least {options.BatchTime.TotalMilliseconds} ms; load average {LoadAverage()}"));
        output.WriteLine("| Verifier | Body B | ratio, median of rounds | quartiles | µs baseline / verifier | B allocated verifier / baseline | JIT-compiled while timed | target |");
        output.WriteLine("|---|---:|---:|---|---|---|---:|---|");
        WarmUp(options);
        var allMet = true;
        foreach (var bodyBytes in BodySizes)
        {
            var cases = new VerificationBenchmarks { BodyBytes = bodyBytes };
            cases.Setup();
            var control = PairedRounds.Measure(() => cases.ScalekitBareHmac(), () => cases.ScalekitBareHmac(), options);
            output.WriteLine(Line("control: bare HMAC-SHA256 against itself", bodyBytes, control, "–"));
            foreach (var pair in cases.Pairs().Where(p => categories.Count == 0 || categories.Contains(p.Category)))
            {
                var ratio = PairedRounds.Measure(pair.Baseline, pair.Candidate, options);
                var met = Met(ratio);
                allMet &= met;
                output.WriteLine(Line($"{pair.Category}: {pair.Verifier}", bodyBytes, ratio, met ? "met" : "missed"));
            }
        }

        return allMet;
    }

    public static bool Met(PairedRatio ratio)
    {
        ArgumentNullException.ThrowIfNull(ratio);
        return ratio.Ratio.Median <= MaxTimeRatio && ratio.Candidate.BytesPerOperation <= ratio.Baseline.BytesPerOperation;
    }

    /// <summary>
    /// Runs every pair a few rounds untimed first: the measuring loop itself and the code all verifiers share reach the
    /// JIT's final tier here, not while the first pair is timed.
    /// </summary>
    private static void WarmUp(PairedRoundsOptions options)
    {
        var cases = new VerificationBenchmarks { BodyBytes = BodySizes[0] };
        cases.Setup();
        foreach (var pair in cases.Pairs())
        {
            PairedRounds.Measure(pair.Baseline, pair.Candidate, options with { Rounds = Math.Min(options.Rounds, 20) });
        }
    }

    private static string Line(string name, int bodyBytes, PairedRatio ratio, string verdict) => string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {bodyBytes} | {ratio.Ratio.Median:F2} | {ratio.Ratio.Lower:F2}–{ratio.Ratio.Upper:F2} | {ratio.Baseline.Microseconds:F2} / {ratio.Candidate.Microseconds:F2} | {ratio.Candidate.BytesPerOperation:0.#} / {ratio.Baseline.BytesPerOperation:0.#} | {ratio.CompiledWhileTimed} | {verdict} |");

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
