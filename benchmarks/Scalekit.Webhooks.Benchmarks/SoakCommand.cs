using Scalekit.Webhooks.Testing.Reliability;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>The full reliability soak: every fault on, for the given duration.</summary>
public static class SoakCommand
{
    public static async Task<bool> RunAsync(TimeSpan duration, TextWriter output)
    {
        var report = await new SoakRun(new SoakOptions { Duration = duration }).RunAsync();
        await output.WriteLineAsync(report.Describe());
        return report.Passed;
    }
}
