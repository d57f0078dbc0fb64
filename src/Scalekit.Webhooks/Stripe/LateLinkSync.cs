using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe.Entitlements;

namespace Scalekit.Webhooks.Stripe;

/// <summary>What one late-link re-check did: customers linked, customers looked at, and whether it stopped at its budget.</summary>
public sealed record LateLinkRecheck(int Linked, int Looked, bool OutOfTime);

/// <summary>
/// Syncs billing state that arrived before its organization was linked: when a Scalekit organization event names the
/// customer as external_id, when the replayer's timer finds the link by looking it up again (for
/// <see cref="BillingOptions.LateLinkWindow"/>, after which the customer is recorded as no-linked-organization), or
/// when an operator asks. The customer's waiting events then get their final ledger status.
/// </summary>
/// <remarks>
/// With <c>BILLING_FEATURE_SOURCE=entitlements</c>, a customer linked late also has its active entitlements read from
/// Stripe once linked, since summaries sent before the link may be missing or old.
/// </remarks>
public sealed partial class LateLinkSync(
    CustomerBillingStore store,
    BillingSync sync,
    EventLedger ledger,
    IOptions<BillingOptions> options,
    IOptions<BillingFeatureOptions> features,
    StripeListReader lists,
    TimeProvider time,
    ILogger<LateLinkSync> logger)
{
    /// <summary>Storage key of the last customer a re-check reached before its budget ran out; the next one starts after it.</summary>
    private string? _resumeAfter;

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

        var wasWaiting = row.LastAttempt?.Result is SyncResults.WaitingForOrganization or SyncResults.NoLinkedOrganization;
        var result = await sync.SyncAsync(customerId, row.DesiredVersion, force: true, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (wasWaiting && features.Value.UsesEntitlements && SyncResults.Written(result.Result))
        {
            result = await ReadEntitlementsAsync(customerId, result, cancellationToken).ConfigureAwait(false);
        }

        if (result.Result != SyncResults.WaitingForOrganization)
        {
            var outcome = StripeBillingProcessor.OutcomeOf(result);
            await ledger.ResolveWaitingAsync(StripeSource.Id, customerId, outcome, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>
    /// Reads the customer's active entitlements now that its organization is linked, keeps them as its newest summary
    /// and writes the state they give. When Stripe cannot be read, the state already written stays (features as the
    /// last summary said) and the result says why; the next summary event corrects it.
    /// </summary>
    private async Task<SyncResult> ReadEntitlementsAsync(string customerId, SyncResult linked, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> keys;
        try
        {
            keys = await lists.ActiveEntitlementKeysAsync(customerId, cancellationToken).ConfigureAwait(false);
        }
        catch (StripeReadException ex)
        {
            Log.EntitlementsUnread(logger, customerId, ex.Message);
            return linked with { Detail = $"{linked.Detail}; the active entitlements could not be read, features stay as the last summary said: {ex.Message}" };
        }

        var summary = new EntitlementSummary(keys, time.GetUtcNow(), "active_entitlements");
        if (!await store.SetEntitlementsAsync(customerId, summary, cancellationToken).ConfigureAwait(false))
        {
            return linked;
        }

        var stored = await store.SetStateAsync(
            customerId,
            (row, _) => Task.FromResult(BillingState.WithEntitlements(row?.State, features.Value.FeaturesFor(row?.Entitlements?.LookupKeys ?? keys), row?.Entitlements?.At ?? summary.At)
                ?? throw new InvalidOperationException($"No billing state is stored for customer {customerId}.")),
            summary.Source,
            cancellationToken).ConfigureAwait(false);
        return await sync.SyncAsync(customerId, stored.DesiredVersion, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Looks again for the organization of every waiting customer, in key order (the replayer's timer calls this).
    /// Takes no new customer once <see cref="BillingOptions.RecheckBudget"/> has passed; the next re-check of this
    /// instance starts after the last customer reached, and one that reaches the end starts the next from the first.
    /// </summary>
    public async Task<LateLinkRecheck> RecheckAsync(CancellationToken cancellationToken = default)
    {
        var started = time.GetTimestamp();
        var resumeAfter = _resumeAfter;
        var (linked, looked) = (0, 0);
        await foreach (var row in store.WaitingAsync(cancellationToken).ConfigureAwait(false))
        {
            var key = StorageKeys.Key(row.CustomerId);
            if (resumeAfter is not null && string.CompareOrdinal(key, resumeAfter) <= 0)
            {
                continue;
            }

            if (time.GetElapsedTime(started) >= options.Value.RecheckBudget)
            {
                return new LateLinkRecheck(linked, looked, OutOfTime: true);
            }

            _resumeAfter = key;
            looked++;
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

        _resumeAfter = null;
        return new LateLinkRecheck(linked, looked, OutOfTime: false);
    }

    private static partial class Log
    {
        [LoggerMessage(5110, LogLevel.Warning, "Late-link re-check of customer {CustomerId} failed; the next run tries again")]
        public static partial void RecheckFailed(ILogger logger, Exception exception, string customerId);

        [LoggerMessage(5111, LogLevel.Warning, "The active entitlements of late-linked customer {CustomerId} could not be read; its features stay as the last summary said: {Problem}")]
        public static partial void EntitlementsUnread(ILogger logger, string customerId, string problem);
    }
}
