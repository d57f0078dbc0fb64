using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Testing.Scale;
using Xunit.Abstractions;

namespace Scalekit.Webhooks.IntegrationTests.Sharding;

/// <summary>
/// The smoke version of the scale run (benchmarks, <c>scale 2000</c>): four shards worked by 1, 2 and 8 consumer
/// loops (8: two loops share each shard), with the benchmark's batch size. Speed is the benchmark's business; this
/// checks that every loop count processes every event and that events spread evenly over the shards and the read
/// model's partitions.
/// </summary>
public class ScaleSmokeTests(ITestOutputHelper output)
{
    private const int EventsPerStep = 160;

    [Fact]
    public async Task FourShards_OneTwoAndEightConsumerLoops_ProcessEveryEvent_WithNoHotShardOrReadModelPartition()
    {
        var report = await ScaleRun.RunAsync(EventsPerStep, [1, 2, 8]);

        output.WriteLine(report.Describe());
        Assert.Equal([1, 2, 8], report.Steps.Select(step => step.Loops));
        Assert.All(report.Steps, step => Assert.Equal(EventsPerStep, step.Final));
        var shards = Assert.Single(report.Spreads, spread => spread.Name == "scalekit-events shards");
        Assert.Equal(4, shards.Partitions);
        Assert.True(shards.Rows >= 3 * EventsPerStep, shards.Describe());
        Assert.False(shards.Hot, shards.Describe());
        var readModel = Assert.Single(report.Spreads, spread => spread.Name == "table " + StateTables.DirectoryUsers);
        Assert.False(readModel.Hot, readModel.Describe());
    }
}
