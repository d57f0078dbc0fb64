using System.Globalization;
using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Stripe.Seats;

/// <summary>How one seat sync of an organization ended.</summary>
/// <param name="Outcome"><c>sent</c>, <c>unchanged</c>, <c>skipped</c> (with the reason) or <c>failed</c>.</param>
/// <param name="Detail">What happened, naming the organization and item; never a person.</param>
/// <param name="ItemId">The subscription item, when one was found.</param>
/// <param name="From">The item's quantity in Stripe before the sync.</param>
/// <param name="To">The quantity the sync wanted.</param>
public sealed record SeatSyncResult(string Outcome, string Detail, string? ItemId = null, long? From = null, long? To = null)
{
    public const string Sent = "sent";
    public const string Unchanged = "unchanged";
    public const string Skipped = "skipped";
    public const string Failed = "failed";
}

/// <summary>The seat syncs since a time: how many ended each way, the latest ones, and the organizations waiting for theirs.</summary>
public sealed record SeatSyncCounts(
    int Sent,
    int Unchanged,
    int Skipped,
    int Failed,
    int Deferred,
    DateTimeOffset? LastSyncAt,
    DateTimeOffset? LastSuccessAt,
    DateTimeOffset? LastFailureAt,
    string? LastError);

/// <summary>
/// The <c>BillingSeats</c> table: per organization, whether a seat sync is scheduled and its generation (the debounce
/// and the idempotency keys build on it) and how its last sync ended; and a log of syncs that the health reads.
/// </summary>
public sealed class SeatSyncStore(StorageClients clients)
{
    private const string Organizations = "organization";
    private const string ActivityPartition = "activity";
    private const string Pending = "Pending";
    private const string Generation = "Generation";
    private const string ScheduledAt = "ScheduledAt";
    private const string LastSyncAt = "LastSyncAt";
    private const string LastOutcome = "LastOutcome";
    private const string LastDetail = "LastDetail";
    private const string ItemId = "ItemId";
    private const string From = "From";
    private const string To = "To";
    private const string OrganizationId = "OrganizationId";

    private TableClient Table => clients.Tables.GetTableClient(StorageNames.BillingSeatsTable);

    /// <summary>
    /// Marks a sync of <paramref name="organizationId"/> as scheduled and returns its generation, or null when one is
    /// already scheduled (scheduled after <paramref name="scheduledSince"/>), so a burst of changes makes one sync.
    /// </summary>
    public async Task<long?> ScheduleAsync(string organizationId, DateTimeOffset now, DateTimeOffset scheduledSince, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var row = await GetAsync(organizationId, cancellationToken).ConfigureAwait(false);
            if (row is not null && row.GetBoolean(Pending) == true && row.GetDateTimeOffset(ScheduledAt) > scheduledSince)
            {
                return null;
            }

            var generation = (row?.GetInt64(Generation) ?? 0) + 1;
            var next = new TableEntity(Organizations, StorageKeys.Key(organizationId)) { [Pending] = true, [Generation] = generation, [ScheduledAt] = now };
            try
            {
                if (row is null)
                {
                    await Table.AddEntityAsync(next, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await Table.UpdateEntityAsync(next, row.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                }

                return generation;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another consumer scheduled or took a sync of this organization in between: look again.
            }
        }
    }

    /// <summary>Lets a schedule whose message could not be sent go, so the next change schedules again.</summary>
    public async Task UnscheduleAsync(string organizationId, long generation, CancellationToken cancellationToken = default)
    {
        var row = await GetAsync(organizationId, cancellationToken).ConfigureAwait(false);
        if (row is not null && row.GetInt64(Generation) == generation)
        {
            try
            {
                await Table.UpdateEntityAsync(new TableEntity(Organizations, row.RowKey) { [Pending] = false }, row.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412)
            {
                // Changed in between: whoever changed it owns the schedule now.
            }
        }
    }

    /// <summary>
    /// Takes the scheduled sync of <paramref name="generation"/>: false when a newer one is scheduled (it will count
    /// the members then); true otherwise, and the organization is no longer marked scheduled, so a change from now on
    /// schedules another sync. A retried message takes its generation again.
    /// </summary>
    public async Task<bool> TakeAsync(string organizationId, long generation, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var row = await GetAsync(organizationId, cancellationToken).ConfigureAwait(false);
            if (row is null || row.GetInt64(Generation) is not { } current || current < generation)
            {
                return true;
            }

            if (current > generation)
            {
                return false;
            }

            if (row.GetBoolean(Pending) != true)
            {
                return true;
            }

            try
            {
                await Table.UpdateEntityAsync(new TableEntity(Organizations, row.RowKey) { [Pending] = false }, row.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412)
            {
                // A change scheduled a newer sync in between: look again.
            }
        }
    }

    /// <summary>Records how a sync ended: on the organization's row and in the log the health reads.</summary>
    public async Task RecordAsync(string organizationId, SeatSyncResult result, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        var facts = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            [LastSyncAt] = at,
            [LastOutcome] = result.Outcome,
            [LastDetail] = Bounded(result.Detail),
            [ItemId] = result.ItemId,
            [From] = result.From,
            [To] = result.To,
        };
        await Table.UpsertEntityAsync(new TableEntity(facts) { PartitionKey = Organizations, RowKey = StorageKeys.Key(organizationId) }, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
        // Newest first: the row key counts down with time, and a random tail keeps two syncs in one tick apart.
        var rowKey = (DateTimeOffset.MaxValue.Ticks - at.Ticks).ToString("D19", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        facts[OrganizationId] = organizationId;
        await Table.AddEntityAsync(new TableEntity(facts) { PartitionKey = ActivityPartition, RowKey = rowKey }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes logged syncs older than <paramref name="before"/> (at most one page a call, so a sync stays short).</summary>
    public async Task PruneAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        var oldest = (DateTimeOffset.MaxValue.Ticks - before.Ticks).ToString("D19", CultureInfo.InvariantCulture);
        await foreach (var page in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {ActivityPartition} and RowKey gt {oldest}"), maxPerPage: 100,
            select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
        {
            foreach (var row in page.Values)
            {
                await Table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
            }

            return;
        }
    }

    /// <summary>The organization's last sync, or null before its first.</summary>
    public async Task<(DateTimeOffset At, SeatSyncResult Result)?> LastAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        var row = await GetAsync(organizationId, cancellationToken).ConfigureAwait(false);
        return row?.GetDateTimeOffset(LastSyncAt) is { } at
            ? (at, new SeatSyncResult(row.GetString(LastOutcome) ?? string.Empty, row.GetString(LastDetail) ?? string.Empty, row.GetString(ItemId), row.GetInt64(From), row.GetInt64(To)))
            : null;
    }

    /// <summary>The syncs since <paramref name="since"/>, and the organizations whose sync is scheduled now.</summary>
    public async Task<SeatSyncCounts> CountAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        int sent = 0, unchanged = 0, skipped = 0, failed = 0, deferred = 0;
        DateTimeOffset? lastSync = null, lastSuccess = null, lastFailure = null;
        string? lastError = null;
        // Newest first, so the first of each kind is the latest.
        await foreach (var row in Table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {ActivityPartition} and LastSyncAt ge {since}"), select: [LastSyncAt, LastOutcome, LastDetail], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var at = row.GetDateTimeOffset(LastSyncAt);
            lastSync ??= at;
            switch (row.GetString(LastOutcome))
            {
                case SeatSyncResult.Sent:
                    sent++;
                    lastSuccess ??= at;
                    break;
                case SeatSyncResult.Unchanged:
                    unchanged++;
                    lastSuccess ??= at;
                    break;
                case SeatSyncResult.Skipped:
                    skipped++;
                    break;
                default:
                    failed++;
                    if (lastFailure is null)
                    {
                        lastFailure = at;
                        lastError = row.GetString(LastDetail);
                    }

                    break;
            }
        }

        await foreach (var _ in Table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {Organizations} and Pending eq {true}"), select: ["PartitionKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            deferred++;
        }

        return new SeatSyncCounts(sent, unchanged, skipped, failed, deferred, lastSync, lastSuccess, lastFailure, lastError);
    }

    private async Task<TableEntity?> GetAsync(string organizationId, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(Organizations, StorageKeys.Key(organizationId), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value : null;
    }

    private static string Bounded(string text) => text.Length <= 1000 ? text : text[..1000] + "…";
}
