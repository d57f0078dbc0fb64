using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Testing.Reliability;
using Xunit.Abstractions;

namespace Scalekit.Webhooks.IntegrationTests.Ingest;

/// <summary>The smoke version of the hostile-input run (the full one: benchmarks, <c>hostile --count 10000</c>).</summary>
public class HostileInputTests(LocalHostFixture host, ITestOutputHelper output) : IClassFixture<LocalHostFixture>
{
    [Fact]
    public async Task ThousandHostileRequests_NoServerErrors_NothingStored_MemoryBounded()
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);

        var report = await new HostileInputRun(host.BaseAddress, host.ScalekitSecret, host.StripeSecret).RunAsync(requests: 1_000, concurrency: 8);

        output.WriteLine(report.Describe());
        Assert.Equal(0, report.ServerErrors);
        Assert.All(report.ByStatus.Keys, status => Assert.True(status is 0 or (>= 400 and < 500), $"unexpected status {status}"));
        foreach (var queue in StorageNames.AllQueues)
        {
            Assert.Equal(0, (await host.Queue(queue).GetPropertiesAsync()).Value.ApproximateMessagesCount);
        }

        var growth = GC.GetTotalMemory(forceFullCollection: true) - before;
        Assert.True(growth < 64 * 1024 * 1024, $"managed memory grew by {growth / 1024 / 1024} MiB");
    }
}
