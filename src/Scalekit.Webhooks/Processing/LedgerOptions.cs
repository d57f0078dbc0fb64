using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;

namespace Scalekit.Webhooks.Processing;

/// <summary>How the event ledger hands events to consumers.</summary>
public sealed class LedgerOptions
{
    /// <summary>
    /// How long a claim holds off other consumers (<see cref="EventLedger.ClaimLeaseSetting"/>, seconds), longer than
    /// any attempt takes; after it a crashed consumer's event can be claimed again. Default 2 minutes.
    /// </summary>
    [SettingRange(EventLedger.ClaimLeaseSetting, 1, 3600, TimeUnit.Seconds)]
    public TimeSpan ClaimLease { get; set; } = EventLedger.DefaultClaimLease;

    internal static void Bind(LedgerOptions options, IConfiguration configuration) =>
        options.ClaimLease = SettingValue.Duration(configuration, EventLedger.ClaimLeaseSetting, options.ClaimLease, TimeUnit.Seconds);
}

[OptionsValidator]
internal sealed partial class LedgerOptionsValidator : IValidateOptions<LedgerOptions>;
