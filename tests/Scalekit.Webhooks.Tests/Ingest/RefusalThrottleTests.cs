using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Tests.Ingest;

public class RefusalThrottleTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Refusals_OverTheLimit_AreRefusedWithTheRestOfTheWindow_AndTheClientIsOverBudget()
    {
        var throttle = Throttle(limit: 3, window: TimeSpan.FromSeconds(60));
        var client = IPAddress.Parse("203.0.113.7");

        Assert.True(throttle.TryCountRefusal(client, out _));
        Assert.True(throttle.TryCountRefusal(client, out _));
        Assert.False(throttle.IsOverBudget(client, out _));
        Assert.True(throttle.TryCountRefusal(client, out _));
        _time.Advance(TimeSpan.FromSeconds(20));

        Assert.False(throttle.TryCountRefusal(client, out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(40), retryAfter);
        Assert.True(throttle.IsOverBudget(client, out var wait));
        Assert.Equal(TimeSpan.FromSeconds(40), wait);
        Assert.False(throttle.IsOverBudget(IPAddress.Parse("203.0.113.8"), out _));
    }

    [Fact]
    public void Window_WhenItEnds_GivesTheClientAFreshBudget()
    {
        var throttle = Throttle(limit: 1, window: TimeSpan.FromSeconds(60));
        var client = IPAddress.Parse("198.51.100.1");
        Assert.True(throttle.TryCountRefusal(client, out _));
        Assert.False(throttle.TryCountRefusal(client, out _));

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.True(throttle.IsOverBudget(client, out _));
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.False(throttle.IsOverBudget(client, out _));
        Assert.True(throttle.TryCountRefusal(client, out _));
        Assert.False(throttle.TryCountRefusal(client, out _));
    }

    [Fact]
    public void Ipv6_AddressesInOne64_ShareOneBudget_AnotherSlash64DoesNot()
    {
        var throttle = Throttle(limit: 2, window: TimeSpan.FromSeconds(60));

        Assert.True(throttle.TryCountRefusal(IPAddress.Parse("2001:db8:1:2::1"), out _));
        Assert.True(throttle.TryCountRefusal(IPAddress.Parse("2001:db8:1:2:ffff:ffff:ffff:ffff"), out _));
        Assert.False(throttle.TryCountRefusal(IPAddress.Parse("2001:db8:1:2:abcd::99"), out _));
        Assert.True(throttle.IsOverBudget(IPAddress.Parse("2001:db8:1:2:1234::5"), out _));

        Assert.True(throttle.TryCountRefusal(IPAddress.Parse("2001:db8:1:3::1"), out _));
        Assert.Equal(2, throttle.TrackedCount);
    }

    [Fact]
    public void Ipv4MappedIpv6_CountsAsItsIpv4Address()
    {
        var throttle = Throttle(limit: 1, window: TimeSpan.FromSeconds(60));
        Assert.True(throttle.TryCountRefusal(IPAddress.Parse("192.0.2.10"), out _));

        Assert.False(throttle.TryCountRefusal(IPAddress.Parse("::ffff:192.0.2.10"), out _));
        Assert.True(throttle.IsOverBudget(IPAddress.Parse("::ffff:192.0.2.10"), out _));
        Assert.True(throttle.TryCountRefusal(IPAddress.Parse("::ffff:192.0.2.11"), out _));
    }

    [Theory]
    [InlineData("0.0.0.1", "::1")]
    [InlineData("0.0.0.0", "::")]
    [InlineData("10.0.0.1", "::a00:1")]
    public void Keys_OfIpv4_NeverMeetThoseOfIpv6(string ipv4, string ipv6) =>
        Assert.NotEqual(RefusalThrottle.KeyOf(IPAddress.Parse(ipv4)), RefusalThrottle.KeyOf(IPAddress.Parse(ipv6)));

    [Fact]
    public void TrackedClients_NeverExceedTheCap_FurtherClientsShareTheOverflowBudget()
    {
        var throttle = Throttle(limit: 2, window: TimeSpan.FromSeconds(60), tracked: 3);
        for (var i = 1; i <= 3; i++)
        {
            Assert.True(throttle.TryCountRefusal(IPAddress.Parse($"203.0.113.{i}"), out _));
        }

        // Three clients fill the table; the next ones share one budget of two refusals.
        Assert.True(throttle.TryCountRefusal(IPAddress.Parse("198.51.100.1"), out _));
        Assert.True(throttle.TryCountRefusal(IPAddress.Parse("198.51.100.2"), out _));
        Assert.False(throttle.TryCountRefusal(IPAddress.Parse("198.51.100.3"), out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(60), retryAfter);
        Assert.Equal(3, throttle.TrackedCount);

        // The overflow is never refused up front: a sender that refused nothing still gets its delivery read.
        Assert.False(throttle.IsOverBudget(IPAddress.Parse("198.51.100.3"), out _));

        // A tracked client keeps its own budget meanwhile.
        Assert.True(throttle.TryCountRefusal(IPAddress.Parse("203.0.113.1"), out _));
    }

    [Fact]
    public void TrackedClients_WhoseWindowsEnded_ArePrunedWhenTheTableIsFull_AndNewClientsAreTrackedAgain()
    {
        var throttle = Throttle(limit: 1, window: TimeSpan.FromSeconds(10), tracked: 2);
        Assert.True(throttle.TryCountRefusal(IPAddress.Parse("203.0.113.1"), out _));
        Assert.True(throttle.TryCountRefusal(IPAddress.Parse("203.0.113.2"), out _));
        Assert.True(throttle.TryCountRefusal(IPAddress.Parse("203.0.113.3"), out _)); // overflow, its one refusal
        Assert.False(throttle.IsOverBudget(IPAddress.Parse("203.0.113.3"), out _));

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(throttle.TryCountRefusal(IPAddress.Parse("203.0.113.3"), out _));
        Assert.Equal(1, throttle.TrackedCount);
        Assert.False(throttle.TryCountRefusal(IPAddress.Parse("203.0.113.3"), out _));
        Assert.True(throttle.IsOverBudget(IPAddress.Parse("203.0.113.3"), out _));
    }

    [Fact]
    public void HundredThousandClients_AreNeverMoreThanTheCap()
    {
        var throttle = Throttle(limit: 5, window: TimeSpan.FromSeconds(60), tracked: 1000);
        var bytes = new byte[16];
        bytes[0] = 0x20;
        bytes[1] = 0x01;
        for (var i = 0; i < 100_000; i++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(4, 4), i);
            throttle.TryCountRefusal(new IPAddress(bytes), out _);
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(1000, throttle.TrackedCount);
    }

    [Fact]
    public void Unknown_Clients_ShareOneBudget()
    {
        var throttle = Throttle(limit: 1, window: TimeSpan.FromSeconds(60));
        Assert.True(throttle.TryCountRefusal(null, out _));
        Assert.False(throttle.TryCountRefusal(null, out _));
        Assert.True(throttle.IsOverBudget(null, out _));
    }

    [Fact]
    public void LimitZero_NeverThrottles_AndTracksNothing()
    {
        var throttle = Throttle(limit: 0, window: TimeSpan.FromSeconds(60));
        for (var i = 0; i < 50; i++)
        {
            Assert.True(throttle.TryCountRefusal(IPAddress.Loopback, out _));
        }

        Assert.False(throttle.IsOverBudget(IPAddress.Loopback, out _));
        Assert.Equal(0, throttle.TrackedCount);
    }

    private RefusalThrottle Throttle(int limit, TimeSpan window, int tracked = 10_000) =>
        new(Options.Create(new RefusalThrottleOptions { Limit = limit, Window = window, TrackedAddresses = tracked }), _time);
}
