using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Scalekit.Webhooks.Processing;

/// <summary>
/// Chaos testing only: makes a share of processing attempts fail before they touch anything, so soak runs can prove
/// that retries, poison queues and replays lose nothing. Off unless <c>CHAOS_HANDLER_FAILURE_RATE</c> is set; never
/// set it in production.
/// </summary>
public sealed class FaultInjection
{
    public const string Setting = "CHAOS_HANDLER_FAILURE_RATE";

    private readonly double _rate;

    public FaultInjection(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        _rate = double.TryParse(configuration[Setting], NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) ? Math.Clamp(rate, 0, 1) : 0;
    }

    /// <summary>Throws for about the configured share of calls.</summary>
    public void MaybeFail()
    {
#pragma warning disable CA5394 // Chaos testing needs cheap randomness, not secure randomness.
        if (_rate > 0 && Random.Shared.NextDouble() < _rate)
#pragma warning restore CA5394
        {
            throw new InvalidOperationException($"Injected fault ({Setting}).");
        }
    }
}
