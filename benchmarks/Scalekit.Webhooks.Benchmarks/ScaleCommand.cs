using Scalekit.Webhooks.Testing.Scale;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>
/// Processing throughput with 4 shards and 1, 2 and 4 consumer loops, and the spread over shards and table partitions.
/// Passes when every event was processed, throughput with 2 loops is above 1 loop's, and no queue shard is hot. With
/// two accounts the tables live on a second Azurite (<c>STATE_STORAGE</c>), as a deployment with a tables account would.
/// </summary>
public static class ScaleCommand
{
    public static async Task<bool> RunAsync(int eventsPerStep, int accounts, TextWriter output)
    {
        if (accounts is not (1 or 2))
        {
            await output.WriteLineAsync("scale: accounts must be 1 (queues and tables together) or 2 (tables on their own account).");
            return false;
        }

        var report = await ScaleRun.RunAsync(eventsPerStep, [1, 2, 4], tablesOnOwnAccount: accounts == 2);
        await output.WriteLineAsync(report.Describe());
        return report.AllProcessed && report.Steps[1].EventsPerSecond > report.Steps[0].EventsPerSecond && !report.Spreads[0].Hot;
    }
}
