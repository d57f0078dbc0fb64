using System.Diagnostics;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Testing.Reliability;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>The full hostile-input run: 10,000 requests; 0 responses 5xx, 0 messages stored, memory bounded.</summary>
public static class HostileInputCommand
{
    public static async Task<bool> RunAsync(int count, TextWriter output)
    {
        await using var bench = await BenchmarkHost.StartAsync();
        using var process = Process.GetCurrentProcess();
        var before = process.WorkingSet64;
        long peak = before;
        using var sampler = new Timer(_ =>
        {
            process.Refresh();
            peak = Math.Max(peak, process.WorkingSet64);
        }, null, TimeSpan.Zero, TimeSpan.FromMilliseconds(100));
        var report = await new HostileInputRun(bench.BaseAddress, bench.ScalekitSecret, bench.StripeSecret).RunAsync(count, concurrency: 16);
        var stored = 0;
        foreach (var queue in StorageNames.AllQueues)
        {
            stored += (await bench.Clients.Queue(queue).GetPropertiesAsync()).Value.ApproximateMessagesCount;
        }

        await output.WriteLineAsync(report.Describe());
        await output.WriteLineAsync($"messages stored: {stored}; working set {before / 1024 / 1024} MiB before, peak {peak / 1024 / 1024} MiB");
        return report.ServerErrors == 0 && stored == 0 && peak - before < 512L * 1024 * 1024;
    }
}
