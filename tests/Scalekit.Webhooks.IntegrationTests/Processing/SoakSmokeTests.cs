using Scalekit.Webhooks.Testing.Reliability;
using Xunit.Abstractions;

namespace Scalekit.Webhooks.IntegrationTests.Processing;

/// <summary>
/// The smoke version of the reliability soak: every fault of the full run (benchmarks, <c>soak 300</c>) in 20 seconds
/// of traffic: 600 events, however slow the machine. Every one must be acknowledged, and the audit must find each
/// processed once in effect or parked with a reason.
/// </summary>
public class SoakSmokeTests(ITestOutputHelper output)
{
    private const int Events = 600;

    [Fact]
    public async Task ShortSoakWithEveryFault_LosesNothing_DuplicatesNoEffect_KeepsNewestState()
    {
        var report = await new SoakRun(new SoakOptions { Duration = TimeSpan.FromSeconds(20), EventsPerSecond = 30, Events = Events }).RunAsync();

        output.WriteLine(report.Describe());
        Assert.True(report.Drained, "the pipeline did not drain in time");
        Assert.Equal(0, report.Lost);
        Assert.Equal(0, report.DuplicatedEffects);
        Assert.Equal(0, report.OrderingViolations);
        Assert.Equal(Events, report.Acknowledged);
        Assert.True(report.DuplicatesSent > 0, "no duplicate deliveries were sent");
        Assert.True(report.ScalekitFaults > 0, "the Scalekit stand-in injected no faults");
        Assert.True(report.Retried > 0, "no event needed a second attempt, so no handler fault was exercised");
        Assert.Equal(2, report.Faults.Count);
        Assert.True(report.Processed + report.StaleSkipped + report.Parked >= report.Acknowledged);
    }
}
