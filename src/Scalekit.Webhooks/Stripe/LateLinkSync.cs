using Microsoft.Extensions.Logging;
using Scalekit.Webhooks.Processing;

namespace Scalekit.Webhooks.Stripe;

/// <summary>
/// Syncs billing state that arrived before its organization was linked: when a Scalekit organization event names the
/// customer as external_id, when the replayer's timer finds the link by looking it up again (for
/// <see cref="BillingOptions.LateLinkWindow"/>, after which the customer is recorded as no-linked-organization), or
/// when an operator asks. The customer's waiting events then get their final ledger status.
/// </summary>
public sealed partial class LateLinkSync(CustomerBillingStore store, BillingSync sync, EventLedger ledger, ILogger<LateLinkSync> logger)
{
    /// <summary>An organization now has <paramref name="customerId"/> as external_id: sync if the customer was waiting.</summary>
    public async Task<SyncResult?> OrganizationLinkedAsync(string customerId, CancellationToken cancellationToken = default)
    {
        var row = await store.GetAsync(customerId, cancellationToken).ConfigureAwait(false);
        return row?.LastAttempt?.Result is SyncResults.WaitingForOrganization or SyncResults.NoLinkedOrganization
            ? await SyncNowAsync(customerId, cancellationToken).ConfigureAwait(false)
            : null;
    }

    /// <summary>Writes the customer's current state now (even if it was written before); null when no billing event described the customer.</summary>
    public async Task<SyncResult?> SyncNowAsync(string customerId, CancellationToken cancellationToken = default)
    {
        if (await store.GetAsync(customerId, cancellationToken).ConfigureAwait(false) is not { State: not null } row)
        {
            return null;
        }

        var result = await sync.SyncAsync(customerId, row.DesiredVersion, force: true, cancellationToken: cancellationToken).ConfigureAwait(false);

        if (result.Result != SyncResults.WaitingForOrganization)
        {
            var outcome = StripeBillingProcessor.OutcomeOf(result);
            await ledger.ResolveWaitingAsync(StripeSource.Id, customerId, outcome, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>Looks again for the organization of every waiting customer (the replayer's timer calls this).</summary>
    public async Task<int> RecheckAsync(CancellationToken cancellationToken = default)
    {
        var linked = 0;
        await foreach (var row in store.WaitingAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                var result = await SyncNowAsync(row.CustomerId, cancellationToken).ConfigureAwait(false);
                linked += result is { Result: not SyncResults.WaitingForOrganization } ? 1 : 0;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Scalekit unreachable or the customer busy: the next run looks again.
                Log.RecheckFailed(logger, ex, row.CustomerId);
            }
        }

        return linked;
    }

    private static partial class Log
    {
        [LoggerMessage(5010, LogLevel.Warning, "Late-link re-check of customer {CustomerId} failed; the next run tries again")]
        public static partial void RecheckFailed(ILogger logger, Exception exception, string customerId);
    }
}
