using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;

namespace Scalekit.Webhooks.Ingest;

/// <summary>How many refused deliveries one client address may cause before its deliveries turn into 429s.</summary>
public sealed class RefusalThrottleOptions
{
    public const string LimitSetting = "WEBHOOK_REFUSED_LIMIT";
    public const string WindowSetting = "WEBHOOK_REFUSED_WINDOW_SECONDS";
    public const string TrackedAddressesSetting = "WEBHOOK_REFUSED_TRACKED_ADDRESSES";
    public const string ForwardedForHopsSetting = "WEBHOOK_FORWARDED_FOR_HOPS";
    public const string ThrottledFlushSetting = "WEBHOOK_THROTTLED_FLUSH_SECONDS";

    /// <summary>Refused deliveries (400, 401, 413) one address may cause per window. Default 100; 0 turns throttling off.</summary>
    [SettingRange(LimitSetting, 0, 1_000_000)]
    public int Limit { get; set; } = 100;

    /// <summary>The window the limit counts in. Default 60 s.</summary>
    [SettingRange(WindowSetting, 1, 86400, TimeUnit.Seconds)]
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Most addresses (IPv4 addresses and IPv6 /64s) counted one by one; refusals from any further address share one
    /// overflow budget until a window ends and frees places. Default 10,000 (about 0.9 MB; docs/benchmarks.md).
    /// </summary>
    [SettingRange(TrackedAddressesSetting, 1, 1_000_000)]
    public int TrackedAddresses { get; set; } = 10_000;

    /// <summary>
    /// Which <c>X-Forwarded-For</c> entry, counted from the right, is the client, for a host behind a reverse proxy
    /// that appends it. Default 0: the connection's address, which in Azure already is the caller (the worker applies
    /// the Functions host's <c>X-Forwarded-For</c> itself; see docs/privacy.md).
    /// </summary>
    [SettingRange(ForwardedForHopsSetting, 0, 16)]
    public int ForwardedForHops { get; set; }

    /// <summary>
    /// How often the throttled deliveries counted per connection (<see cref="ThrottledDeliveries"/>) are written, at most
    /// one write per connection each time. Default 5 s: a flood of 429s costs no storage write per request.
    /// </summary>
    [SettingRange(ThrottledFlushSetting, 1, 300, TimeUnit.Seconds)]
    public TimeSpan ThrottledFlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    internal static void Bind(RefusalThrottleOptions options, IConfiguration configuration)
    {
        options.Limit = SettingValue.WholeNumber(configuration, LimitSetting, options.Limit);
        options.Window = SettingValue.Duration(configuration, WindowSetting, options.Window, TimeUnit.Seconds);
        options.TrackedAddresses = SettingValue.WholeNumber(configuration, TrackedAddressesSetting, options.TrackedAddresses);
        options.ForwardedForHops = SettingValue.WholeNumber(configuration, ForwardedForHopsSetting, options.ForwardedForHops);
        options.ThrottledFlushInterval = SettingValue.Duration(configuration, ThrottledFlushSetting, options.ThrottledFlushInterval, TimeUnit.Seconds);
    }
}

[OptionsValidator]
internal sealed partial class RefusalThrottleOptionsValidator : IValidateOptions<RefusalThrottleOptions>;

/// <summary>
/// Counts refused deliveries per client in fixed windows on the injected <see cref="TimeProvider"/>. A client is an
/// IPv4 address or an IPv6 /64 (one subscriber's network: rotating inside it gains nothing); an IPv4-mapped IPv6
/// address counts as its IPv4 address. At most <see cref="RefusalThrottleOptions.TrackedAddresses"/> clients are
/// counted one by one; the rest share one overflow budget, so memory is bounded whatever the number of addresses.
/// There is no timer: a finished window is reset when its client is next seen, and finished windows are pruned only
/// when the table is full. Only refusals are counted; a client over its budget is answered 429 before its next
/// delivery's body is read (<see cref="IsOverBudget"/>).
/// </summary>
public sealed class RefusalThrottle
{
    // The key of every address that did not parse (no connection address, say): they share one count.
    private static readonly UInt128 UnknownClient = UInt128.MaxValue;

    private readonly Lock _lock = new();
    private readonly Dictionary<UInt128, Window> _clients = [];
    private readonly TimeProvider _time;
    private readonly int _limit;
    private readonly long _windowTicks;
    private readonly int _capacity;
    private Window _overflow;
    private long _nextPruneTicks;

    public RefusalThrottle(IOptions<RefusalThrottleOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var settings = options.Value;
        _time = time;
        _limit = settings.Limit;
        // In the time provider's timestamp units, so no clock change moves a window.
        _windowTicks = (long)(settings.Window.TotalSeconds * time.TimestampFrequency);
        _capacity = settings.TrackedAddresses;
    }

    /// <summary>How many clients are counted one by one now (at most the configured cap).</summary>
    public int TrackedCount
    {
        get
        {
            lock (_lock)
            {
                return _clients.Count;
            }
        }
    }

    /// <summary>
    /// True (with how long to wait) when <paramref name="client"/> is counted one by one and has spent its budget in
    /// the current window: answer 429 without reading the delivery. Clients in the overflow are never refused up front,
    /// so a flood of new addresses cannot shut out a sender that has refused nothing.
    /// </summary>
    public bool IsOverBudget(IPAddress? client, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (_limit == 0)
        {
            return false;
        }

        var key = KeyOf(client);
        var now = _time.GetTimestamp();
        lock (_lock)
        {
            if (!_clients.TryGetValue(key, out var window) || window.HasEnded(now, _windowTicks) || window.Count < _limit)
            {
                return false;
            }

            retryAfter = _time.GetElapsedTime(now, window.Start + _windowTicks);
            return true;
        }
    }

    /// <summary>Counts one refusal from <paramref name="client"/>; false (with how long to wait) once its budget is spent.</summary>
    public bool TryCountRefusal(IPAddress? client, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (_limit == 0)
        {
            return true;
        }

        var key = KeyOf(client);
        var now = _time.GetTimestamp();
        lock (_lock)
        {
            if (_clients.TryGetValue(key, out var window))
            {
                var counted = Count(ref window, now, out retryAfter);
                _clients[key] = window;
                return counted;
            }

            if (_clients.Count >= _capacity)
            {
                PruneEnded(now);
            }

            if (_clients.Count < _capacity)
            {
                window = new Window(now, 0);
                var counted = Count(ref window, now, out retryAfter);
                _clients.Add(key, window);
                return counted;
            }

            return Count(ref _overflow, now, out retryAfter);
        }
    }

    /// <summary>The key a client is counted under: the IPv4 address, or the first 64 bits of an IPv6 address.</summary>
    public static UInt128 KeyOf(IPAddress? client)
    {
        if (client is null)
        {
            return UnknownClient;
        }

        if (client.IsIPv4MappedToIPv6)
        {
            client = client.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        if (client.AddressFamily == AddressFamily.InterNetwork && client.TryWriteBytes(bytes, out _))
        {
            // Bit 32 set keeps IPv4 keys apart from the IPv6 /64 ::/64, whose key is 0.
            return (UInt128)(1UL << 32 | System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes));
        }

        if (client.AddressFamily == AddressFamily.InterNetworkV6 && client.TryWriteBytes(bytes, out _))
        {
            return new UInt128(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes), 0);
        }

        return UnknownClient;
    }

    private bool Count(ref Window window, long now, out TimeSpan retryAfter)
    {
        if (window.HasEnded(now, _windowTicks))
        {
            window = new Window(now, 0);
        }

        if (window.Count >= _limit)
        {
            retryAfter = _time.GetElapsedTime(now, window.Start + _windowTicks);
            return false;
        }

        window = window with { Count = window.Count + 1 };
        retryAfter = TimeSpan.Zero;
        return true;
    }

    // Called only when the table is full; when nothing has ended it waits for the earliest window end, so a flood of new
    // addresses costs one sweep per window, not one per request.
    private void PruneEnded(long now)
    {
        if (now < _nextPruneTicks)
        {
            return;
        }

        var earliestEnd = long.MaxValue;
        foreach (var (key, window) in _clients)
        {
            if (window.HasEnded(now, _windowTicks))
            {
                _clients.Remove(key);
            }
            else
            {
                earliestEnd = Math.Min(earliestEnd, window.Start + _windowTicks);
            }
        }

        _nextPruneTicks = _clients.Count < _capacity ? 0 : earliestEnd;
    }

    private readonly record struct Window(long Start, int Count)
    {
        public bool HasEnded(long now, long windowTicks) => now - Start >= windowTicks;
    }
}
