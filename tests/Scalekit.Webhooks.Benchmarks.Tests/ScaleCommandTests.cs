using Scalekit.Webhooks.Testing.Scale;

namespace Scalekit.Webhooks.Benchmarks.Tests;

/// <summary>
/// The scale command's verdict from a report's figures (the run itself is smoked in the integration tests): it passes
/// only when throughput rose from one loop to the step where Azurite reached a core.
/// </summary>
public class ScaleCommandTests
{
    private static readonly PartitionSpread EvenShards = new("scalekit-events shards", 4, 400, 100);

    [Fact]
    public void Passed_ThroughputRisesUntilAzuriteReachesACore_ThenStaysFlat()
    {
        var report = Report((1, 40, 55, 60), (2, 70, 80, 90), (4, 95, 95, 99), (8, 96, 96, 100));

        Assert.True(ScaleCommand.Passed(report));
        Assert.Equal(2, report.SaturatedAt);
        Assert.Equal(95.0 / 40, report.RiseToSaturation, precision: 6);
        Assert.Contains("Azurite saturated at 4 loops (4 in flight, CPU 95 % of one core)", report.Describe(), StringComparison.Ordinal);
        Assert.Contains("8 loops 1.01×", report.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Passed_AzuriteSaturatedAtOneLoop_IsFalse_NothingLeftToRise()
    {
        var report = Report((1, 100, 92, 99), (2, 104, 95, 100), (4, 103, 96, 100));

        Assert.Equal(0, report.SaturatedAt);
        Assert.False(ScaleCommand.Passed(report));
    }

    [Fact]
    public void Passed_SaturatedButRoseLessThanTheRule_IsFalse()
    {
        var report = Report((1, 100, 70, 80), (2, 120, 93, 99));

        Assert.Equal(1, report.SaturatedAt);
        Assert.False(ScaleCommand.Passed(report));
    }

    [Fact]
    public void Passed_AzuriteNeverReachedACore_ButItsThreadNeverIdled_IsFalse_AndBlamesTheMachine()
    {
        var report = Report((1, 35, 57, 92), (2, 29, 49, 97), (4, 30, 53, 98));

        Assert.Null(report.SaturatedAt);
        Assert.False(ScaleCommand.Passed(report));
        Assert.Contains("Azurite never reached 90 % of one core (at most 57 %, with 1 loops)", report.Describe(), StringComparison.Ordinal);
        Assert.Contains("the machine (busy 100 %) starved it", report.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Passed_AHotShardOrAnUnprocessedEvent_IsFalse_HoweverItRose()
    {
        var rising = Report((1, 40, 55, 60), (2, 95, 95, 99));
        Assert.True(ScaleCommand.Passed(rising));

        Assert.False(ScaleCommand.Passed(rising with { Spreads = [new PartitionSpread("scalekit-events shards", 4, 400, 300)] }));
        Assert.False(ScaleCommand.Passed(rising with { Steps = [rising.Steps[0] with { Final = 99 }, rising.Steps[1]] }));
    }

    /// <summary>A report with 100 events a step, one message in flight per loop, and each step's events/s, Azurite CPU and thread busy.</summary>
    private static ScaleReport Report(params (int Loops, double EventsPerSecond, double StoreCpu, double ThreadBusy)[] steps) =>
        new(4, steps.Select(step => new ScaleStep(step.Loops, 1, 100, 100, TimeSpan.FromSeconds(100 / step.EventsPerSecond),
            new StepCpu(new StoreUse(step.StoreCpu, step.ThreadBusy), null, 10, 100), 0)).ToList(), [EvenShards]);
}
