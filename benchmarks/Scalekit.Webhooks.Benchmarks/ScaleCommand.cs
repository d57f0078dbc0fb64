using System.Globalization;
using Scalekit.Webhooks.Testing.Scale;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>
/// Processing throughput with 4 shards and 1, 2, 4, 8 and 16 consumer loops, each loop handling one small batch at a
/// time, with Azurite's CPU and its main thread's use per step so the table shows where and why throughput stops
/// rising; and the spread over shards and table partitions. Passes when every event was processed, no queue shard is
/// hot, Azurite saturated (<see cref="StoreUse.Saturated"/>) at some step after the first, and the best throughput up to
/// that step was at least <see cref="Rise"/> times one loop's. With two accounts the tables live on a second Azurite (<c>STATE_STORAGE</c>),
/// as a deployment with a tables account would.
/// </summary>
public static class ScaleCommand
{
    public const double Rise = 1.25;

    private static readonly int[] Loops = [1, 2, 4, 8, 16];

    public static async Task<bool> RunAsync(int eventsPerStep, int accounts, int batchSize, TextWriter output)
    {
        if (accounts is not (1 or 2))
        {
            await output.WriteLineAsync("scale: accounts must be 1 (queues and tables together) or 2 (tables on their own account).");
            return false;
        }

        if (batchSize is < 1 or > 32)
        {
            await output.WriteLineAsync("scale: the batch size must be 1 to 32 (a queue receive returns at most 32 messages).");
            return false;
        }

        await output.WriteLineAsync("load average at the start: " + await LoadAverageAsync());
        var report = await ScaleRun.RunAsync(eventsPerStep, Loops, batchSize, tablesOnOwnAccount: accounts == 2);
        await output.WriteLineAsync(report.Describe());
        await output.WriteLineAsync("load average at the end: " + await LoadAverageAsync());

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"every event processed: {report.AllProcessed}; shards even: {ShardsEven(report)}; rose at least {Rise:F2}× from one loop until Azurite saturated, after the first step: {RoseUntilSaturated(report)}"));
        return Passed(report);
    }

    private static async Task<string> LoadAverageAsync() =>
        File.Exists("/proc/loadavg") ? (await File.ReadAllTextAsync("/proc/loadavg")).Trim() : "n/a";

    public static bool Passed(ScaleReport report) => report.AllProcessed && ShardsEven(report) && RoseUntilSaturated(report);

    private static bool ShardsEven(ScaleReport report) => !report.Spreads[0].Hot;

    private static bool RoseUntilSaturated(ScaleReport report) => report.SaturatedAt > 0 && report.RiseToSaturation >= Rise;
}
