using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe.Entitlements;

namespace Scalekit.Webhooks.Stripe;

/// <summary>
/// Writes a customer's billing state to its Scalekit organization so that the newest state wins under any
/// concurrency. Each customer has one row (<see cref="CustomerBillingStore"/>) with the state Scalekit should hold and
/// a version raised on every change, the version last written, and a lease. Only the lease holder talks to Scalekit
/// for that customer: it writes the newest version, renews the lease (an ETag check) right before each PATCH and
/// records the version it wrote with another ETag check; when the row changed in between (a newer version arrived) it
/// writes again, so it only lets go once Scalekit holds the newest version. Other consumers wait until the synced
/// version reaches theirs (or the lease runs out, then they take over). A holder whose lease ran out writes again
/// once it can lease, because its late PATCH may have overwritten a newer one. Scalekit's PATCH takes the whole map,
/// so a repeated write of the same version sends the same map and changes nothing.
/// </summary>
public sealed partial class BillingSync(
    ScalekitClient client,
    IOptions<ScalekitOptions> scalekitOptions,
    IOptions<BillingOptions> billingOptions,
    IOptions<BillingFeatureOptions> featureOptions,
    OrganizationLinks links,
    CustomerBillingStore store,
    OrganizationStore organizations,
    Ownership ownership,
    TimeProvider time,
    ILogger<BillingSync> logger)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private BillingOptions Options => billingOptions.Value;

    /// <summary>
    /// Returns once Scalekit holds version <paramref name="version"/> of the customer's state or a newer one (or the
    /// attempt found no organization), or a result of <see cref="SyncResults.Refused"/> with the reason when the write
    /// is refused (settings, or Scalekit itself). Throws <see cref="RowBusyException"/> when another consumer
    /// held the customer for longer than a lease.
    /// </summary>
    /// <remarks>
    /// <paramref name="force"/> writes even when the synced version is current (an operator's sync, a late link).
    /// <paramref name="known"/> is the customer's row as the caller just read or wrote it, which spares the first read
    /// (a stale one only costs a refused lease and a read).
    /// </remarks>
    public async Task<SyncResult> SyncAsync(string customerId, long version, bool force = false, CustomerBilling? known = null, CancellationToken cancellationToken = default)
    {
        if (scalekitOptions.Value.CredentialsProblem is { } problem)
        {
            // Parked with the reason, so it can be replayed once the settings are fixed; never a silent dry run.
            return new SyncResult(SyncResults.Refused, null, problem, version);
        }

        var leaseId = Guid.NewGuid().ToString("N");
        var giveUpAt = time.GetUtcNow() + Options.SyncLease;
        var mustWrite = force;
        while (true)
        {
            var row = known ?? await store.GetAsync(customerId, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"No billing state is stored for customer {customerId}.");
            known = null;
            if (!mustWrite && row.SyncedVersion >= version)
            {
                // Another consumer wrote this version or a newer one.
                var result = row.LastAttempt is { } last && SyncResults.Written(last.Result) ? last.Result : SyncResults.Sent;
                return new SyncResult(result, row.LastAttempt?.OrganizationId, $"version {row.SyncedVersion} (at least {version}) is written", row.SyncedVersion);
            }

            var now = time.GetUtcNow();
            if (row.LeaseUntil is { } until && until > now && row.LeaseId != leaseId)
            {
                if (now >= giveUpAt)
                {
                    throw new RowBusyException($"The billing sync of customer {customerId}", until);
                }

                await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (await store.LeaseAsync(row, leaseId, now + Options.SyncLease, cancellationToken).ConfigureAwait(false) is not { } held)
            {
                continue;
            }

            try
            {
                if (await WriteNewestAsync(held, leaseId, cancellationToken).ConfigureAwait(false) is { } result)
                {
                    return result;
                }

                // The lease ran out while this consumer was writing: its PATCH may have landed after a newer one.
                Log.LeaseLost(logger, customerId);
                mustWrite = true;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not BillingSyncLeaseRanOutException)
            {
                // A lease that ran out is not given back: it ends by itself, after the write this consumer gave up on.
                await store.ReleaseAsync(customerId, leaseId, CancellationToken.None).ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Writes versions until the one recorded is the newest; null when the lease was lost.</summary>
    private async Task<SyncResult?> WriteNewestAsync(CustomerBilling held, string leaseId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var version = held.DesiredVersion;
            var renewed = held;
            var attempt = await AttemptAsync(held, async () =>
            {
                renewed = await store.LeaseAsync(renewed, leaseId, time.GetUtcNow() + Options.SyncLease, cancellationToken).ConfigureAwait(false);
                return renewed?.LeaseUntil;
            }, cancellationToken).ConfigureAwait(false);
            var recorded = attempt is not null && renewed is not null
                ? await store.RecordAsync(renewed, attempt, version, cancellationToken).ConfigureAwait(false)
                : null;
            if (recorded is null)
            {
                // The row changed: a newer version arrived (write that one), or the lease was taken over.
                var current = await store.GetAsync(held.CustomerId, cancellationToken).ConfigureAwait(false);
                if (current is null || current.LeaseId != leaseId)
                {
                    return null;
                }

                held = current;
                continue;
            }

            Log.Synced(logger, held.CustomerId, attempt!.OrganizationId ?? "(none)", attempt.Result, version);
            return attempt.Result == SyncResults.Refused
                ? new SyncResult(SyncResults.Refused, attempt.OrganizationId, attempt.Reason, version)
                : new SyncResult(attempt.Result, attempt.OrganizationId, $"version {version}: {attempt.Reason}", version);
        }
    }

    /// <summary>
    /// One write of <paramref name="row"/>'s state; null when <paramref name="renewLease"/> (which answers when the
    /// renewed lease ends) failed before the PATCH.
    /// </summary>
    private async Task<SyncAttempt?> AttemptAsync(CustomerBilling row, Func<Task<DateTimeOffset?>> renewLease, CancellationToken cancellationToken)
    {
        var state = row.State ?? throw new InvalidOperationException($"No billing state is stored for customer {row.CustomerId}.");
        // Only what the ownership table gives billing: a key or feature another writer claimed first is left alone.
        var desired = ownership.OwnPairs(FactWriter.Billing, state.Metadata(Options));
        var features = state.FeatureSwitches([.. featureOptions.Value.Managed(Options.Plans).Where(f => ownership.Owns(FactWriter.Billing, FactKind.Feature, f))]);
        var now = time.GetUtcNow();
        if (!scalekitOptions.Value.IsConfigured)
        {
            return await DryRunAsync(row, desired, features, now, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            if (await ResolveAsync(row.CustomerId, cancellationToken).ConfigureAwait(false) is not { } organization)
            {
                return NotLinked(row, now);
            }

            var merge = MetadataBudget.Merge(organization.Metadata, ownership.RemovableKeys(FactWriter.Billing), desired, "billing");
            if (!merge.Fits)
            {
                return new SyncAttempt(now, SyncResults.Refused, $"organization {organization.Id}: {merge.Refusal}; nothing was written", organization.Id, merge.Metadata, features, OverBudget: true);
            }

            var featureChanges = features.Where(f => !organization.Features.TryGetValue(f.Key, out var enabled) || enabled != f.Value).ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
            if (!merge.Changed && featureChanges.Count == 0)
            {
                return new SyncAttempt(now, SyncResults.Unchanged, "the organization already holds this state; nothing was sent", organization.Id, merge.Metadata, features);
            }

            if (await renewLease().ConfigureAwait(false) is not { } leaseUntil)
            {
                return null;
            }

            await WriteWithinLeaseAsync(row.CustomerId, leaseUntil, async writeToken =>
            {
                if (merge.Changed)
                {
                    await client.UpdateMetadataAsync(organization.Id, merge.Metadata, row.SourceEventId, writeToken).ConfigureAwait(false);
                }

                if (featureChanges.Count > 0)
                {
                    await client.UpdateFeaturesAsync(organization.Id, featureChanges, writeToken).ConfigureAwait(false);
                }
            }, cancellationToken).ConfigureAwait(false);

            var sent = string.Join(" and ", new[] { merge.Changed ? "metadata" : null, featureChanges.Count > 0 ? "features" : null }.OfType<string>());
            return new SyncAttempt(now, SyncResults.Sent, $"{sent} sent", organization.Id, merge.Metadata, features);
        }
        catch (ScalekitNotFoundException)
        {
            // The organization vanished between lookup and PATCH; another may be linked later.
            await links.DropAsync(row.CustomerId, cancellationToken).ConfigureAwait(false);
            return NotLinked(row, now);
        }
        catch (ScalekitApiException ex) when (!ex.IsTransient)
        {
            return new SyncAttempt(now, SyncResults.Refused, $"Scalekit refused the update: {ex.Message}", null, desired, features);
        }
    }

    /// <summary>
    /// Runs the Scalekit writes of one attempt, retries included, only while the lease is held: once it runs out another
    /// consumer may take the customer and write a newer state, which a retry sent after that would overwrite. Sending
    /// stops one attempt timeout (at most half a lease) before the lease ends, so an attempt still under way when it
    /// stops had that long to land before anyone else may write.
    /// </summary>
    private async Task WriteWithinLeaseAsync(string customerId, DateTimeOffset leaseUntil, Func<CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var margin = TimeSpan.FromTicks(Math.Min(scalekitOptions.Value.AttemptTimeout.Ticks, Options.SyncLease.Ticks / 2));
        var left = leaseUntil - margin - time.GetUtcNow();
        using var leaseEnds = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero, time);
        using var writing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, leaseEnds.Token);
        try
        {
            await write(writing.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (leaseEnds.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new BillingSyncLeaseRanOutException(customerId, leaseUntil);
        }
    }

    /// <summary>Waiting for an organization whose external_id is the customer, until the late-link window has passed.</summary>
    private SyncAttempt NotLinked(CustomerBilling row, DateTimeOffset now) =>
        row.WaitingSince is { } since && now - since >= Options.LateLinkWindow
            ? new SyncAttempt(now, SyncResults.NoLinkedOrganization, $"no Scalekit organization has external_id {row.CustomerId}, and none appeared within {Options.LateLinkWindow.TotalHours:0.##} h", null, null, null)
            : new SyncAttempt(now, SyncResults.WaitingForOrganization, $"no Scalekit organization has external_id {row.CustomerId} yet; the state is kept and synced once one is linked", null, null, null);

    private async Task<ScalekitOrganization?> ResolveAsync(string customerId, CancellationToken cancellationToken)
    {
        if (await links.FindAsync(customerId, cancellationToken).ConfigureAwait(false) is { } linked)
        {
            var organization = await client.GetAsync(linked, cancellationToken).ConfigureAwait(false);
            if (organization is not null && organization.ExternalId == customerId)
            {
                return organization;
            }

            await links.DropAsync(customerId, cancellationToken).ConfigureAwait(false);
        }

        var found = await client.FindByExternalIdAsync(customerId, cancellationToken).ConfigureAwait(false);
        if (found is not null)
        {
            await links.SetAsync(customerId, found.Id, cancellationToken).ConfigureAwait(false);
        }

        return found;
    }

    private async Task<SyncAttempt> DryRunAsync(CustomerBilling row, IReadOnlyDictionary<string, string> desired, IReadOnlyDictionary<string, bool> features, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await links.FindAsync(row.CustomerId, cancellationToken).ConfigureAwait(false) is not { } organizationId)
        {
            return NotLinked(row, now);
        }

        var current = await organizations.MetadataAsync(organizationId, cancellationToken).ConfigureAwait(false);
        var merge = MetadataBudget.Merge(current, ownership.RemovableKeys(FactWriter.Billing), desired, "billing");
        if (!merge.Fits)
        {
            return new SyncAttempt(now, SyncResults.Refused, $"organization {organizationId}: {merge.Refusal}; nothing would be written", organizationId, merge.Metadata, features, OverBudget: true);
        }

        var intended = JsonSerializer.Serialize(new { metadata = merge.Metadata, features });
        Log.DryRun(logger, row.CustomerId, organizationId, intended);
        return new SyncAttempt(now, SyncResults.DryRun, "dry run (no Scalekit credentials), recorded and not sent: " + intended, organizationId, merge.Metadata, features);
    }

    private static partial class Log
    {
        [LoggerMessage(5101, LogLevel.Information, "Billing sync for customer {CustomerId} → organization {OrganizationId}: {Result} (version {Version})")]
        public static partial void Synced(ILogger logger, string customerId, string organizationId, string result, long version);

        [LoggerMessage(5102, LogLevel.Warning, "DRY RUN (no SCALEKIT_ENVIRONMENT_URL / SCALEKIT_CLIENT_ID / SCALEKIT_CLIENT_SECRET): would update organization {OrganizationId} for customer {CustomerId}: {Plan}")]
        public static partial void DryRun(ILogger logger, string customerId, string organizationId, string plan);

        [LoggerMessage(5103, LogLevel.Warning, "Billing sync lease of customer {CustomerId} ran out while writing; writing the newest state again")]
        public static partial void LeaseLost(ILogger logger, string customerId);
    }
}
