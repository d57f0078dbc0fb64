using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>
/// What the refusal throttle holds in memory once <c>count</c> distinct addresses (each its own IPv6 /64) have each been
/// refused once inside one window. The baseline, measured in the same run, is the same throttle fed only as many
/// addresses as it may track: with a bound, the ratio stays near 1 however many addresses come. The earlier design (one
/// fixed-window limiter, with its own timer, per full address) is measured alongside for the record.
/// </summary>
public static class ThrottleMemoryBenchmark
{
    /// <summary>Largest accepted ratio of the memory at <c>count</c> addresses to the memory at the cap.</summary>
    public const double BoundedRatioTarget = 1.10;

    public static Task<bool> RunAsync(int count, int trackedAddresses, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var atCap = Retained(() => Fill(Bounded(trackedAddresses), trackedAddresses));
        var atCount = Retained(() => Fill(Bounded(trackedAddresses), count));
        var perAddress = Retained(() => FillPerAddressLimiters(count));
        var ratio = (double)atCount.Bytes / atCap.Bytes;

        var cap = trackedAddresses.ToString("N0", CultureInfo.InvariantCulture);
        output.WriteLine("| throttle state after one refusal from each of N distinct addresses | N | tracked | retained | per N |");
        output.WriteLine("|---|---:|---:|---:|---:|");
        Row(output, $"bounded throttle, cap {cap} (baseline: N = cap)", trackedAddresses, atCap);
        Row(output, $"bounded throttle, cap {cap}", count, atCount);
        Row(output, "earlier design: a fixed-window limiter per address (for the record)", count, perAddress);
        var met = ratio <= BoundedRatioTarget;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bounded: {ratio:F2}× the memory at the cap for {count:N0} addresses (target ≤ {BoundedRatioTarget:F2}×): {(met ? "met" : "NOT met")}"));
        return Task.FromResult(met);
    }

    private static RefusalThrottle Bounded(int trackedAddresses) =>
        new(Options.Create(new RefusalThrottleOptions { Limit = 100, Window = TimeSpan.FromMinutes(1), TrackedAddresses = trackedAddresses }), new FakeTimeProvider());

    private static (object State, int Tracked) Fill(RefusalThrottle throttle, int count)
    {
        foreach (var address in Addresses(count))
        {
            throttle.TryCountRefusal(address, out _);
        }

        return (throttle, throttle.TrackedCount);
    }

    private static (object State, int Tracked) FillPerAddressLimiters(int count)
    {
        var limiter = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = 100,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
        foreach (var address in Addresses(count))
        {
            using var lease = limiter.AttemptAcquire(address.ToString());
        }

        return (limiter, count);
    }

    // 2001:db8:<i>::1, one /64 each: the worst case for a table keyed by /64.
    private static IEnumerable<IPAddress> Addresses(int count)
    {
        var bytes = new byte[16];
        bytes[0] = 0x20;
        bytes[1] = 0x01;
        bytes[2] = 0x0d;
        bytes[3] = 0xb8;
        bytes[15] = 1;
        for (var i = 0; i < count; i++)
        {
            bytes[4] = (byte)(i >> 24);
            bytes[5] = (byte)(i >> 16);
            bytes[6] = (byte)(i >> 8);
            bytes[7] = (byte)i;
            yield return new IPAddress(bytes);
        }
    }

    private static (long Bytes, int Tracked) Retained(Func<(object State, int Tracked)> build)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var (state, tracked) = build();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(state);
        (state as IDisposable)?.Dispose();
        return (Math.Max(1, after - before), tracked);
    }

    private static void Row(TextWriter output, string name, int count, (long Bytes, int Tracked) result) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {count:N0} | {result.Tracked:N0} | {result.Bytes / 1024.0:N0} KiB | {(double)result.Bytes / count:F1} B |"));
}
