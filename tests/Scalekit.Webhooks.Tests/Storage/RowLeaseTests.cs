using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Tests.Storage;

public class RowLeaseTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task AcquireAsync_ReturnsTheLease_OnceTheHolderGivesItBack_WaitingOnTheClock()
    {
        var time = new FakeTimeProvider(At);
        var tries = 0;
        var acquiring = RowLease.AcquireAsync(_ => Task.FromResult(++tries < 3 ? null : "lease"), new LeaseWait(5, TimeSpan.FromSeconds(1), time), "row r");

        Assert.False(acquiring.IsCompleted);
        for (var second = 0; second < 10 && !acquiring.IsCompleted; second++)
        {
            // The wait is on the injected clock: it ends only when the clock moves.
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(acquiring, Task.Delay(TimeSpan.FromMilliseconds(50)));
        }

        Assert.True(acquiring.IsCompleted, "the wait did not follow the injected clock");
        Assert.Equal("lease", await acquiring);
        Assert.Equal(3, tries);
    }

    [Fact]
    public async Task AcquireAsync_IsBusy_AfterItsLastTry()
    {
        var tries = 0;
        var busy = await Assert.ThrowsAsync<RowBusyException>(() => RowLease.AcquireAsync(_ => { tries++; return Task.FromResult<string?>(null); }, new LeaseWait(3, TimeSpan.Zero, TimeProvider.System), "Employee e"));

        Assert.Equal(3, tries);
        Assert.StartsWith("Employee e is held by another consumer", busy.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HeldUntil_IsTheLeaseTime_OnlyWhileItIsLater()
    {
        var row = new TableEntity("p", "r") { ["LeaseUntil"] = At.AddMinutes(2) };

        Assert.Equal(At.AddMinutes(2), RowLease.HeldUntil(row, "LeaseUntil", At));
        Assert.Null(RowLease.HeldUntil(row, "LeaseUntil", At.AddMinutes(2)));
        Assert.Null(RowLease.HeldUntil(new TableEntity("p", "r"), "LeaseUntil", At));
    }
}
