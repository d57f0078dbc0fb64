using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Storage;
using static Scalekit.Webhooks.Processing.EventLedgerCodec;
using static Scalekit.Webhooks.Processing.EventLedgerRows;

namespace Scalekit.Webhooks.Processing;

/// <summary>
/// The consumer's side of the event log in Table storage (one row per (source, event id)): claim, record, complete,
/// fail. A consumer claims a row before applying the event (insert, or ETag-checked update), so duplicate deliveries
/// and racing consumers apply each event once; the row keeps status, attempts, last error, times and the raw payload
/// (inline when small, else its blob) for search and replay. Reads are <see cref="EventLedgerQueries"/>; retention,
/// erasure and migration are <see cref="EventLedgerMaintenance"/>; the table's layout is <see cref="EventLedgerRows"/>.
/// </summary>
/// <remarks>
/// Longer than 300 lines because the claim, the records with and without a claim, and the grouped first records
/// share the row-building code below and are easier to check side by side.
/// An event's row lives in its own bucket (its home), with one exception: the first record of an event applied
/// without a claim on its first delivery (<see cref="RecordFirstAsync"/>) is written together with the records of the
/// other events handled at the same time, in one transaction to one bucket, so that a batch of events costs one ledger
/// write. A lookup reads the home bucket and, when the row is not there or not final, the other buckets too.
/// </remarks>
/// <param name="clients">The storage clients; the ledger's table is on <see cref="StorageClients.LedgerTables"/>.</param>
/// <param name="time">The clock for leases and record times.</param>
/// <param name="claimLease">How long a claim holds off other consumers.</param>
/// <param name="firstRecordLinger">How long a first record waits for those of the events handled beside it; default <see cref="FirstRecordLinger"/>.</param>
public sealed class EventLedger(StorageClients clients, TimeProvider time, TimeSpan claimLease, TimeSpan? firstRecordLinger = null)
{
    /// <summary>Table string properties hold 64 KiB (32 K UTF-16 chars); larger payloads are kept by blob reference.</summary>
    public const int MaxInlinePayloadChars = 30_000;

    /// <summary>Setting for how long a claim holds off other consumers (seconds); default 120.</summary>
    public const string ClaimLeaseSetting = "LEDGER_CLAIM_LEASE_SECONDS";

    /// <summary>Partitions per source. Fixed: changing it moves every row (see <see cref="EventLedgerMaintenance.MigrateAsync"/>).</summary>
    public const int PartitionBuckets = EventLedgerRows.PartitionBuckets;

    /// <summary>How long a claim holds off other consumers, longer than any attempt takes; after it a crashed consumer's event can be claimed again.</summary>
    public static readonly TimeSpan DefaultClaimLease = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long a first record waits for the records of the events handled beside it, when one of them is slower: a
    /// batch's events are written as soon as the last of them is done, so this bounds only the wait for a straggler.
    /// </summary>
    public static readonly TimeSpan FirstRecordLinger = TimeSpan.FromMilliseconds(20);

    public EventLedger(StorageClients clients, TimeProvider time)
        : this(clients, time, DefaultClaimLease)
    {
    }

    private readonly EventLedgerRows _table = new(clients);

    private TableClient Rows => _table.Table;

    private GroupCommit? _firstRecords;

    // Each transaction of first records goes to the next bucket, from a different start in each process.
    private int _writes = Random.Shared.Next(PartitionBuckets);

    // Built on first use by whichever consumers come first at once: every one of them must get the same.
    private GroupCommit FirstRecords => LazyInitializer.EnsureInitialized(ref _firstRecords, () => new GroupCommit(
        Rows, source => Partition(source, (int)((uint)Interlocked.Increment(ref _writes) % PartitionBuckets)), firstRecordLinger ?? FirstRecordLinger, time));

    /// <summary>The partition of an event's row: its source and the hash bucket of its key (<c>scalekit-07</c>).</summary>
    public static string PartitionOf(string source, string eventId) => PartitionOfKey(source, StorageKeys.Key(eventId));

    /// <summary>Every partition of one source's rows.</summary>
    public static IEnumerable<string> PartitionsOf(string source) => EventLedgerRows.PartitionsOf(source);

    /// <summary>
    /// Claims the event for processing; returns null when it is done already. Throws <see cref="RowBusyException"/>
    /// while another consumer holds a live claim, so this delivery is retried later rather than dropped: if that
    /// consumer died, its claim runs out and a retry takes over.
    /// </summary>
    public async Task<LedgerClaim?> ClaimAsync(EventEnvelope envelope, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var key = StorageKeys.Key(envelope.EventId);
        var partition = PartitionOfKey(envelope.Source.Name, key);
        while (true)
        {
            // Most events are new, so the insert goes first: one round trip, and a 409 means it is known already.
            var now = time.GetUtcNow();
            try
            {
                var row = NewRow(envelope, payload, partition, key, now);
                row[Columns.LeaseUntil] = now + claimLease;
                var added = await Rows.AddEntityAsync(row, cancellationToken).ConfigureAwait(false);
                return new LedgerClaim(partition, key, added.Headers.ETag ?? ETag.All, 1);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                // Seen before: decide from its row below.
            }

            NullableResponse<TableEntity> current = await Rows.GetEntityIfExistsAsync<TableEntity>(partition, key, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!current.HasValue)
            {
                continue;
            }

            var existing = current.Value!;
            var status = ProcessingStatusNames.Parse(existing.GetString(Columns.Status));
            if (status.IsFinal() && !envelope.Forced)
            {
                return null;
            }

            if (status == ProcessingStatus.Processing && RowLease.HeldUntil(existing, Columns.LeaseUntil, now) is { } until)
            {
                throw new RowBusyException($"{envelope.Source.Name} event {envelope.EventId}", until);
            }

            var attempts = (existing.GetInt32(Columns.Attempts) ?? 0) + 1;
            existing[Columns.Status] = ProcessingStatus.Processing.Name();
            existing[Columns.Attempts] = attempts;
            existing[Columns.LeaseUntil] = now + claimLease;
            existing[Columns.LastAttemptAt] = now;
            existing[Columns.LastDeliveryId] = envelope.DeliveryId;
            existing[Columns.ReplayCount] = envelope.ReplayCount;
            try
            {
                var updated = await Rows.UpdateEntityAsync(existing, existing.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return new LedgerClaim(partition, key, updated.Headers.ETag ?? ETag.All, attempts);
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                // Another consumer claimed it first; look again.
            }
        }
    }

    /// <summary>
    /// Records an event applied without a claim, in one write when it is new: for events whose only effects are
    /// read-model writes, which are idempotent and ordered by their stamps, so a duplicate or racing delivery applies
    /// nothing twice. Returns null when the event was done already (a duplicate; the ledger keeps its first outcome),
    /// else the attempt it was recorded as. Use <see cref="RecordSeenAsync"/> when the event may have been recorded by
    /// <see cref="RecordFirstAsync"/> before.
    /// </summary>
    public Task<int?> RecordAsync(EventEnvelope envelope, ReadOnlyMemory<byte> payload, ProcessingOutcome outcome, CancellationToken cancellationToken = default) =>
        RecordOutcomeAsync(envelope, payload, outcome, lookEverywhereFirst: false, cancellationToken);

    /// <summary>
    /// As <see cref="RecordAsync(EventEnvelope, ReadOnlyMemory{byte}, ProcessingOutcome, CancellationToken)"/>, for an
    /// event that may have been recorded by <see cref="RecordFirstAsync"/> before (it was found applied already, or
    /// stale, or it is a replay): its row is looked for in every bucket first, so it is updated where it is instead of
    /// written twice.
    /// </summary>
    public Task<int?> RecordSeenAsync(EventEnvelope envelope, ReadOnlyMemory<byte> payload, ProcessingOutcome outcome, CancellationToken cancellationToken = default) =>
        RecordOutcomeAsync(envelope, payload, outcome, lookEverywhereFirst: true, cancellationToken);

    private async Task<int?> RecordOutcomeAsync(EventEnvelope envelope, ReadOnlyMemory<byte> payload, ProcessingOutcome outcome, bool lookEverywhereFirst, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(outcome);
        var key = StorageKeys.Key(envelope.EventId);
        var home = PartitionOfKey(envelope.Source.Name, key);
        var lookFirst = lookEverywhereFirst;
        while (true)
        {
            var now = time.GetUtcNow();
            TableEntity? existing;
            if (lookFirst)
            {
                (existing, var stray) = await _table.LookupAsync(envelope.Source.Name, key, cancellationToken).ConfigureAwait(false);
                await DropStrayAsync(stray, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var row = Outcome(NewRow(envelope, payload, home, key, now), outcome, now);
                try
                {
                    await Rows.AddEntityAsync(row, cancellationToken).ConfigureAwait(false);
                    return 1;
                }
                catch (RequestFailedException ex) when (ex.Status == 409)
                {
                    // Seen before: a duplicate, or an earlier attempt that failed.
                }

                NullableResponse<TableEntity> current = await Rows.GetEntityIfExistsAsync<TableEntity>(home, key, cancellationToken: cancellationToken).ConfigureAwait(false);
                existing = current.HasValue ? current.Value : null;
            }

            if (existing is null)
            {
                lookFirst = false;
                continue;
            }

            if (ProcessingStatusNames.Parse(existing.GetString(Columns.Status)).IsFinal() && !envelope.Forced)
            {
                return null;
            }

            var attempts = (existing.GetInt32(Columns.Attempts) ?? 0) + 1;
            existing[Columns.Attempts] = attempts;
            existing[Columns.LastAttemptAt] = now;
            existing[Columns.LastDeliveryId] = envelope.DeliveryId;
            existing[Columns.ReplayCount] = envelope.ReplayCount;
            try
            {
                await Rows.UpdateEntityAsync(Outcome(existing, outcome, now), existing.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return attempts;
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                // Another delivery recorded it meanwhile; look again.
            }
        }
    }

    /// <summary>Joins the events whose first records are written together (see <see cref="RecordFirstAsync"/>); dispose to leave.</summary>
    public GroupCommit.Member JoinFirstRecords(WebhookSource source)
    {
        return FirstRecords.Join(source.Name);
    }

    /// <summary>
    /// Records the final outcome of an event applied without a claim by the delivery that made its first write: no
    /// delivery before it recorded the event, so its row is inserted, in one transaction with the first records of the
    /// other members of <paramref name="member"/>'s group, in whichever bucket that transaction goes to. Returns 1, or
    /// null when the event turns out to be recorded already (then <see cref="RecordAsync"/> decides from its row).
    /// </summary>
    public async Task<int?> RecordFirstAsync(GroupCommit.Member member, EventEnvelope envelope, ReadOnlyMemory<byte> payload, ProcessingOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(member);
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(outcome);
        var now = time.GetUtcNow();
        var row = Outcome(NewRow(envelope, payload, string.Empty, StorageKeys.Key(envelope.EventId), now), outcome, now);
        var added = await FirstRecords.AddAsync(member, row, ApproximateBytes(row), cancellationToken).ConfigureAwait(false);
        return added ? 1 : null;
    }

    /// <summary>Records a failed attempt of an event applied without a claim (see <see cref="RecordAsync"/>); the queue retries the message.</summary>
    public async Task RecordFailureAsync(EventEnvelope envelope, ReadOnlyMemory<byte> payload, Exception error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(error);
        var key = StorageKeys.Key(envelope.EventId);
        var partition = PartitionOfKey(envelope.Source.Name, key);
        while (true)
        {
            var now = time.GetUtcNow();

            // Its row may be in any bucket (see RecordFirstAsync): a failure is recorded at home only when there is none.
            var (existing, stray) = await _table.LookupAsync(envelope.Source.Name, key, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                try
                {
                    await Rows.AddEntityAsync(Failure(NewRow(envelope, payload, partition, key, now), error, now), cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (RequestFailedException ex) when (ex.Status == 409)
                {
                    continue;
                }
            }

            if (IsFinal(existing))
            {
                // Another delivery of it went through; its outcome stands.
                await DropStrayAsync(stray, cancellationToken).ConfigureAwait(false);
                return;
            }

            existing[Columns.Attempts] = (existing.GetInt32(Columns.Attempts) ?? 0) + 1;
            existing[Columns.LastAttemptAt] = now;
            existing[Columns.LastDeliveryId] = envelope.DeliveryId;
            try
            {
                await Rows.UpdateEntityAsync(Failure(existing, error, now), existing.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
            }
        }
    }

    /// <summary>Records the final status of a claimed event.</summary>
    public Task CompleteAsync(LedgerClaim claim, ProcessingOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(outcome);
        var row = Outcome(new TableEntity(claim.PartitionKey, claim.RowKey), outcome, time.GetUtcNow());

        // A merge: the row's other columns stay, and the lease column is cleared by writing it empty.
        row[Columns.LeaseUntil] = null;
        return Rows.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Merge, cancellationToken);
    }

    /// <summary>Records a failed attempt; the queue retries the message.</summary>
    public Task FailAsync(LedgerClaim claim, Exception error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(error);
        var row = new TableEntity(claim.PartitionKey, claim.RowKey)
        {
            [Columns.Status] = ProcessingStatus.Failed.Name(),
            [Columns.LastError] = Truncate($"{error.GetType().Name}: {error.Message}"),
            [Columns.LastFailedAt] = time.GetUtcNow(),
            [Columns.LeaseUntil] = null,
        };
        return Rows.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Merge, cancellationToken);
    }

    /// <summary>
    /// Gives every <paramref name="source"/> event of <paramref name="customerId"/> still waiting for an organization the
    /// status and detail of <paramref name="outcome"/>, once its customer's state was synced (or the wait ended). Returns
    /// how many rows changed.
    /// </summary>
    public async Task<int> ResolveWaitingAsync(WebhookSource source, string customerId, ProcessingOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var changed = 0;
        var filter = TableClient.CreateQueryFilter($"CustomerId eq {customerId} and Status eq {ProcessingStatus.WaitingForOrganization.Name()}");
        await foreach (var row in _table.QueryPartitionsAsync(PartitionsOf(source.Name), filter, [Columns.PartitionKey, Columns.RowKey], cancellationToken).ConfigureAwait(false))
        {
            var update = new TableEntity(row.PartitionKey, row.RowKey) { [Columns.Status] = outcome.Status.Name(), [Columns.Detail] = Truncate(outcome.Detail), [Columns.CompletedAt] = time.GetUtcNow() };
            try
            {
                await Rows.UpdateEntityAsync(update, row.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                changed++;
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                // A consumer is processing that event again right now; it records its own outcome.
            }
        }

        return changed;
    }

    /// <summary>Deletes an unfinished row left at home beside the event's final row, unless it changed since it was read.</summary>
    private async Task DropStrayAsync(TableEntity? stray, CancellationToken cancellationToken)
    {
        if (stray is null)
        {
            return;
        }

        try
        {
            await Rows.DeleteEntityAsync(stray.PartitionKey, stray.RowKey, stray.ETag, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // Gone or changed meanwhile: whoever changed it decides.
        }
    }

}

/// <summary>A consumer's hold on one ledger row.</summary>
public sealed record LedgerClaim(string PartitionKey, string RowKey, ETag ETag, int Attempt);
