using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;

namespace Scalekit.Webhooks.Stripe.Seats;

/// <summary>
/// Per-seat billing: which subscription item's quantity follows an organization's active members, how Stripe prorates
/// a change, and how long membership changes are gathered before one sync. Off while <see cref="SeatPrice"/> is unset.
/// A broken value switches off seat sync alone: <see cref="Problem"/> names the setting, in the start-up log and the
/// seat sync's health.
/// </summary>
public sealed class SeatSyncOptions : IIntegrationSettings
{
    public const string SeatPriceSetting = "BILLING_SEAT_PRICE";
    public const string ProrationSetting = "BILLING_SEAT_PRORATION";
    public const string DelaySetting = "BILLING_SEAT_SYNC_DELAY_SECONDS";

    /// <summary>Stripe's longest price lookup key.</summary>
    public const int MaxLookupKeyLength = 200;

    /// <summary>Stripe's <c>proration_behavior</c> values.</summary>
    public static IReadOnlyList<string> ProrationBehaviors { get; } = ["create_prorations", "none", "always_invoice"];

    /// <summary>The lookup key of the per-seat price; null (the default) turns seat sync off.</summary>
    public string? SeatPrice { get; set; }

    /// <summary>Stripe's <c>proration_behavior</c> for a quantity change. Default <c>create_prorations</c>.</summary>
    public string Proration { get; set; } = "create_prorations";

    /// <summary>How long after a membership change the organization's seats are synced; later changes join that sync. Default 60 s.</summary>
    [SettingRange(DelaySetting, 0, 3600, TimeUnit.Seconds)]
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Why seat sync is off although its settings are given, naming the setting; null when usable or unset.</summary>
    public string? Problem { get; set; }

    /// <summary>Whether membership changes sync seats.</summary>
    public bool IsEnabled => SeatPrice is not null && Problem is null;

    internal static void Bind(SeatSyncOptions options, IConfiguration configuration)
    {
        var price = configuration[SeatPriceSetting]?.Trim();
        var proration = configuration[ProrationSetting]?.Trim();
        options.SeatPrice = string.IsNullOrEmpty(price) ? null : price;
        options.Proration = string.IsNullOrEmpty(proration) ? "create_prorations" : proration;
        options.Problem = null;
        options.Delay = SettingValue.Duration(configuration, DelaySetting, options.Delay, TimeUnit.Seconds);
        if (options.SeatPrice is { Length: > MaxLookupKeyLength })
        {
            options.Problem = $"{SeatPriceSetting} must be a Stripe price lookup key of at most {MaxLookupKeyLength} characters; seat sync is off until it is fixed.";
        }
        else if (!ProrationBehaviors.Contains(options.Proration, StringComparer.Ordinal))
        {
            options.Problem = $"{ProrationSetting} must be one of {string.Join(", ", ProrationBehaviors)}; seat sync is off until it is fixed.";
        }
    }
}

/// <summary>Checks the bound values at start; a failure becomes <see cref="SeatSyncOptions.Problem"/> and turns seat sync off.</summary>
[OptionsValidator]
internal sealed partial class SeatSyncOptionsValidator : IValidateOptions<SeatSyncOptions>;
