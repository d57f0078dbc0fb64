using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Operations;

namespace Scalekit.Webhooks.Stripe.Seats;

/// <summary>
/// Health of billing's seat sync (<c>billing-seats</c>): syncs that sent a quantity or found it right count as
/// successes, failed ones as failures; the counts add the skipped ones and the organizations whose sync is deferred
/// (scheduled, waiting for the delay). Broken seat settings show as its error, naming the setting.
/// </summary>
public sealed class SeatSyncHealth(SeatSyncStore store, IOptions<SeatSyncOptions> options, IOptions<StripeApiOptions> stripe) : IIntegrationHealth
{
    public const string Name = "billing-seats";

    public async Task<IntegrationHealthReport> ReadAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        var counts = await store.CountAsync(since, cancellationToken).ConfigureAwait(false);
        var settings = options.Value;
        var problem = settings.Problem
            ?? (settings.SeatPrice is not null && !stripe.Value.IsConfigured
                ? $"Seat sync needs Stripe API access: {stripe.Value.Problem ?? $"{StripeApiOptions.ApiKeySetting} is not set"}."
                : null);
        var mode = settings.SeatPrice is null || problem is not null ? "off" : "live";
        return new IntegrationHealthReport(Name, mode, counts.Sent + counts.Unchanged, counts.Failed, counts.LastSuccessAt, counts.LastFailureAt,
            problem ?? counts.LastError, null, counts.LastSyncAt)
        {
            Counts = new Dictionary<string, int>(StringComparer.Ordinal)
            {
                ["sent"] = counts.Sent,
                ["unchanged"] = counts.Unchanged,
                ["skipped"] = counts.Skipped,
                ["failed"] = counts.Failed,
                ["deferred"] = counts.Deferred,
            },
        };
    }
}
