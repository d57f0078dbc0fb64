using Scalekit.Webhooks.DeadLetters;

namespace Scalekit.Webhooks.Tests.DeadLetters;

public class ReplayPaceTests
{
    private static readonly TimeSpan SlowBatch = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Fast = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(61);
    private static readonly TimeSpan InBetween = TimeSpan.FromSeconds(45);

    [Fact]
    public void NewPace_StartsWithOneBatchOfOneMessage()
    {
        var pace = new ReplayPace(32, 8, SlowBatch);

        Assert.Equal((1, 1), (pace.Batches, pace.BatchSize));
    }

    [Fact]
    public void FastBatches_GrowTheBatchToItsSize_ThenToTheConfiguredBatchesInFlight_AndNoFurther()
    {
        var pace = new ReplayPace(32, 8, SlowBatch);
        var seen = new List<(int Batches, int Size)>();

        for (var i = 0; i < 10; i++)
        {
            pace.Record(pace.Generation, Fast);
            seen.Add((pace.Batches, pace.BatchSize));
        }

        Assert.Equal([(1, 2), (1, 4), (1, 8), (1, 16), (1, 32), (2, 32), (4, 32), (8, 32), (8, 32), (8, 32)], seen);
    }

    [Fact]
    public void AFailedBatch_ShrinksThePaceLikeASlowOne()
    {
        var pace = Grown();

        Assert.True(pace.RecordFailure(pace.Generation));

        Assert.Equal((4, 32), (pace.Batches, pace.BatchSize));
    }

    [Fact]
    public void SlowBatches_FirstTakeFewerBatches_ThenSmallerOnes_DownToOneMessage()
    {
        var pace = Grown();
        var seen = new List<(int Batches, int Size)>();

        for (var i = 0; i < 9; i++)
        {
            pace.Record(pace.Generation, Slow);
            seen.Add((pace.Batches, pace.BatchSize));
        }

        Assert.Equal([(4, 32), (2, 32), (1, 32), (1, 16), (1, 8), (1, 4), (1, 2), (1, 1), (1, 1)], seen);
    }

    [Fact]
    public void FastAgainAfterSlow_GrowsBatchSizeBackFirst_ThenBatchesInFlight()
    {
        var pace = Grown();
        for (var i = 0; i < 6; i++)
        {
            pace.Record(pace.Generation, Slow);
        }

        Assert.Equal((1, 4), (pace.Batches, pace.BatchSize));
        var seen = new List<(int Batches, int Size)>();
        for (var i = 0; i < 6; i++)
        {
            pace.Record(pace.Generation, Fast);
            seen.Add((pace.Batches, pace.BatchSize));
        }

        Assert.Equal([(1, 8), (1, 16), (1, 32), (2, 32), (4, 32), (8, 32)], seen);
    }

    [Fact]
    public void BatchBetweenHalfTheSlowMarkAndIt_KeepsTheSize()
    {
        var pace = new ReplayPace(32, 8, SlowBatch);
        pace.Record(pace.Generation, Fast);
        var generation = pace.Generation;

        Assert.False(pace.Record(generation, InBetween));

        Assert.Equal((1, 2, generation), (pace.Batches, pace.BatchSize, pace.Generation));
    }

    [Fact]
    public void BatchStartedBeforeTheLastResize_DoesNotCount()
    {
        var pace = Grown();
        var before = pace.Generation;
        Assert.True(pace.Record(before, Slow));

        // Seven more batches of the old size finish as slowly: they must not shrink the new size again.
        for (var i = 0; i < 7; i++)
        {
            Assert.False(pace.Record(before, Slow));
        }

        Assert.Equal((4, 32), (pace.Batches, pace.BatchSize));
    }

    [Fact]
    public void Record_ReturnsTrueOnlyWhenTheSizeChanged()
    {
        var pace = new ReplayPace(1, 1, SlowBatch);

        Assert.False(pace.Record(pace.Generation, Fast));
        Assert.False(pace.Record(pace.Generation, Slow));
        Assert.Equal(0, pace.Generation);
    }

    private static ReplayPace Grown()
    {
        var pace = new ReplayPace(32, 8, SlowBatch);
        while (pace.Batches < 8)
        {
            pace.Record(pace.Generation, Fast);
        }

        return pace;
    }
}
