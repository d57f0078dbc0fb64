using Scalekit.Webhooks.Operations;

namespace Scalekit.Webhooks.Tests.Operations;

public class EventSeriesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 30, 20, TimeSpan.Zero);

    [Theory]
    [InlineData(1, 60)]
    [InlineData(24, 60)]
    [InlineData(24 * 7, 600)]
    [InlineData(24 * 30, 1800)]
    [InlineData(24 * 366, 21600)]
    public void BucketFor_Window_IsTheSmallestStepWithAtMost1440Buckets(int hours, int expectedSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), EventSeries.BucketFor(TimeSpan.FromHours(hours)));

    [Fact]
    public void OneHour_HasMinuteBucketsAlignedToTheMinute_CoveringNow()
    {
        var series = new EventSeries(Now.AddHours(-1), Now);
        var view = series.ToView();

        Assert.Equal(new DateTimeOffset(2026, 11, 26, 11, 30, 0, TimeSpan.Zero), series.Start);
        Assert.Equal(60, view.BucketSeconds);
        Assert.Equal(61, view.Ingested.Count);
    }

    [Fact]
    public void Counts_LandInTheirBucket_AndTimesOutsideTheWindowAreIgnored()
    {
        var series = new EventSeries(Now.AddHours(-1), Now);
        series.Ingested(Now.AddMinutes(-1));
        series.Ingested(Now.AddMinutes(-1).AddSeconds(5));
        series.Ingested(Now.AddHours(-2));
        series.Ingested(Now.AddMinutes(5));
        series.Failed(Now);
        series.Parked(Now.AddHours(-1));

        var view = series.ToView();
        var ingested = view.Ingested;
        Assert.Equal(2, ingested[59]);
        Assert.Equal(2, ingested.Sum());
        Assert.Equal(1, view.Failed[60]);
        Assert.Equal(1, view.Parked[0]);
    }

    [Fact]
    public void Latency_IsP50AndP95PerBucket_AndNullWhereNothingCompleted()
    {
        var series = new EventSeries(Now.AddHours(-1), Now);
        for (var ms = 1; ms <= 100; ms++)
        {
            series.Processed(Now.AddSeconds(-10), ms);
        }

        series.Processed(Now.AddMinutes(-30), null);

        var view = series.ToView();
        Assert.Equal(50, view.LatencyP50Ms[60]);
        Assert.Equal(95, view.LatencyP95Ms[60]);
        Assert.Null(view.LatencyP50Ms[30]);
        Assert.Equal(1, view.Processed[30]);
        Assert.Equal(101, view.Processed.Sum());
    }

    [Theory]
    [InlineData(0, 0, null, null, "idle")]
    [InlineData(3, 0, 10, null, "ok")]
    [InlineData(3, 1, 10, 5, "degraded")]
    [InlineData(3, 1, 5, 10, "failing")]
    [InlineData(0, 2, null, 10, "failing")]
    public void IntegrationStatus_FollowsSuccessesFailuresAndWhichCameLast(int successes, int failures, int? successMinute, int? failureMinute, string expected)
    {
        var report = new IntegrationHealthReport("billing", "live", successes, failures,
            successMinute is { } s ? Now.AddMinutes(s) : null, failureMinute is { } f ? Now.AddMinutes(f) : null, null, null);
        Assert.Equal(expected, report.Status);
        Assert.Equal(expected, report.ToView().Status);
    }
}
