using System.Threading.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;

namespace Scalekit.Webhooks.Ingest;

/// <summary>How many refused deliveries one client address may cause before its refusals turn into 429s.</summary>
public sealed class RefusalThrottleOptions
{
    public const string LimitSetting = "WEBHOOK_REFUSED_LIMIT";
    public const string WindowSetting = "WEBHOOK_REFUSED_WINDOW_SECONDS";
    public const string ForwardedForHopsSetting = "WEBHOOK_FORWARDED_FOR_HOPS";

    /// <summary>Set by App Service (and so Azure Functions) on every instance; its presence means a front end appends the client to X-Forwarded-For.</summary>
    public const string AzureInstanceSetting = "WEBSITE_INSTANCE_ID";

    /// <summary>Refused deliveries (400, 401, 413) one address may cause per window. Default 100; 0 turns throttling off.</summary>
    [SettingRange(LimitSetting, 0, 1_000_000)]
    public int Limit { get; set; } = 100;

    /// <summary>The window the limit counts in. Default 60 s.</summary>
    [SettingRange(WindowSetting, 1, 86400, TimeUnit.Seconds)]
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Which <c>X-Forwarded-For</c> entry, counted from the right, is the client: the one the trusted front end
    /// appended. 0 uses the connection's address. Default 1 in Azure (<see cref="AzureInstanceSetting"/> set), else 0.
    /// </summary>
    [SettingRange(ForwardedForHopsSetting, 0, 16)]
    public int ForwardedForHops { get; set; }

    internal static void Bind(RefusalThrottleOptions options, IConfiguration configuration)
    {
        var hopsDefault = string.IsNullOrEmpty(configuration[AzureInstanceSetting]) ? 0 : 1;
        options.Limit = SettingValue.WholeNumber(configuration, LimitSetting, options.Limit);
        options.Window = SettingValue.Duration(configuration, WindowSetting, options.Window, TimeUnit.Seconds);
        options.ForwardedForHops = SettingValue.WholeNumber(configuration, ForwardedForHopsSetting, hopsDefault);
    }
}

[OptionsValidator]
internal sealed partial class RefusalThrottleOptionsValidator : IValidateOptions<RefusalThrottleOptions>;

/// <summary>
/// Counts refused deliveries per client address with a fixed-window limiter from <c>System.Threading.RateLimiting</c>.
/// Only refusals are counted; once an address has used its budget, its further refusals are answered 429 with
/// <c>Retry-After</c> until the window passes. A verified delivery is never counted and never throttled.
/// </summary>
public sealed class RefusalThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _limiter;
    private readonly TimeSpan _window;

    public RefusalThrottle(IOptions<RefusalThrottleOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        _window = settings.Window;
        _limiter = settings.Limit == 0 ? null : PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = settings.Limit,
            Window = settings.Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>Counts one refusal from <paramref name="clientAddress"/>; false (with how long to wait) once its budget is spent.</summary>
    public bool TryCountRefusal(string clientAddress, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (_limiter is null)
        {
            return true;
        }

        using var lease = _limiter.AttemptAcquire(clientAddress);
        if (lease.IsAcquired)
        {
            return true;
        }

        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) && wait > TimeSpan.Zero ? wait : _window;
        return false;
    }

    public void Dispose() => _limiter?.Dispose();
}
