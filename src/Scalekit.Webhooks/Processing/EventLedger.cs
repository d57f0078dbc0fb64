using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Processing;

/// <summary>
/// The event log in Table storage, one row per (source, event id), and the only code that knows its table, columns and
/// keys. A consumer claims a row before applying the event (insert, or ETag-checked update), so duplicate deliveries and
/// racing consumers apply each event once; the row keeps status, attempts, last error, times and the raw payload
/// (inline when small, else its blob) for search and replay. Rows are spread over <see cref="PartitionBuckets"/>
/// partitions per source (<c>scalekit-07</c>: the source and a hash bucket of the event id), so no partition carries a
/// whole source; listings read a source's buckets in parallel.
/// </summary>
/// <remarks>
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

    /// <summary>Partitions per source. Fixed: changing it moves every row (see <see cref="MigrateAsync"/>).</summary>
    public const int PartitionBuckets = 16;

    /// <summary>How long a claim holds off other consumers, longer than any attempt takes; after it a crashed consumer's event can be claimed again.</summary>
    public static readonly TimeSpan DefaultClaimLease = TimeSpan.FromMinutes(2);

    private const string Table = StorageNames.EventLedgerTable;

    public EventLedger(StorageClients clients, TimeProvider time)
        : this(clients, time, DefaultClaimLease)
    {
    }

    // A table client is thread-safe and not free to build (it parses its URI): one for the store's lifetime.
    private TableClient? _rows;

    private TableClient Rows => _rows ??= clients.LedgerTables.GetTableClient(Table);

    private GroupCommit? _firstRecords;

    // Each transaction of first records goes to the next bucket, from a different start in each process.
    private int _writes = Random.Shared.Next(PartitionBuckets);

    /// <summary>
    /// How long a first record waits for the records of the events handled beside it, when one of them is slower: a
    /// batch's events are written as soon as the last of them is done, so this bounds only the wait for a straggler.
    /// </summary>
    public static readonly TimeSpan FirstRecordLinger = TimeSpan.FromMilliseconds(20);

    // Built on first use by whichever consumers come first at once: every one of them must get the same.
    private GroupCommit FirstRecords => LazyInitializer.EnsureInitialized(ref _firstRecords, () => new GroupCommit(
        Rows, source => Partition(source, (int)((uint)Interlocked.Increment(ref _writes) % PartitionBuckets)), firstRecordLinger ?? FirstRecordLinger, time));

    /// <summary>The partition of an event's row: its source and the hash bucket of its key (<c>scalekit-07</c>).</summary>
    public static string PartitionOf(string source, string eventId) => PartitionOfKey(source, StorageKeys.Key(eventId));

    /// <summary>Every partition of one source's rows.</summary>
    public static IEnumerable<string> PartitionsOf(string source) => Enumerable.Range(0, PartitionBuckets).Select(bucket => Partition(source, bucket));

    /// <summary>
    /// Claims the event for processing; returns null when it is done already. Throws <see cref="EventInProgressException"/>
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
                var added = await Rows.AddEntityAsync(NewRow(envelope, payload, partition, key, now), cancellationToken).ConfigureAwait(false);
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

            if (status == ProcessingStatus.Processing && existing.GetDateTimeOffset(Columns.LeaseUntil) is { } until && until > now)
            {
                throw new EventInProgressException(envelope.Source, envelope.EventId, until);
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
    /// else the attempt it was recorded as. With <c>lookElsewhere</c> (the event may have been recorded by
    /// <see cref="RecordFirstAsync"/> before: it was found applied already, or stale) its row is looked for in every
    /// bucket first, so it is updated where it is instead of written twice.
    /// </summary>
    public async Task<int?> RecordAsync(EventEnvelope envelope, ReadOnlyMemory<byte> payload, ProcessingStatus status, string detail, string? organizationId, string? customerId, bool lookElsewhere, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var key = StorageKeys.Key(envelope.EventId);
        var home = PartitionOfKey(envelope.Source.Name, key);
        var lookFirst = lookElsewhere;
        while (true)
        {
            var now = time.GetUtcNow();
            TableEntity? existing;
            if (lookFirst)
            {
                (existing, var stray) = await LookupAsync(envelope.Source.Name, key, cancellationToken).ConfigureAwait(false);
                await DropStrayAsync(stray, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var row = Outcome(NewRow(envelope, payload, home, key, now), status, detail, organizationId, customerId, now);
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
                await Rows.UpdateEntityAsync(Outcome(existing, status, detail, organizationId, customerId, now), existing.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
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
    public async Task<int?> RecordFirstAsync(GroupCommit.Member member, EventEnvelope envelope, ReadOnlyMemory<byte> payload, ProcessingStatus status, string detail, string? organizationId, string? customerId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(member);
        ArgumentNullException.ThrowIfNull(envelope);
        var now = time.GetUtcNow();
        var row = Outcome(NewRow(envelope, payload, string.Empty, StorageKeys.Key(envelope.EventId), now), status, detail, organizationId, customerId, now);
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
            var (existing, stray) = await LookupAsync(envelope.Source.Name, key, cancellationToken).ConfigureAwait(false);
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
    public Task CompleteAsync(LedgerClaim claim, ProcessingStatus status, string detail, string? organizationId, string? customerId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var now = time.GetUtcNow();
        var row = new TableEntity(claim.PartitionKey, claim.RowKey)
        {
            [Columns.Status] = status.Name(),
            [Columns.Detail] = Truncate(detail),
            [Columns.CompletedAt] = now,
            [Columns.LeaseUntil] = null,
        };
        if (organizationId is not null)
        {
            row[Columns.OrganizationId] = organizationId;
        }

        if (customerId is not null)
        {
            row[Columns.CustomerId] = customerId;
        }

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
    /// Gives every <paramref name="source"/> event of <paramref name="customerId"/> still waiting for an organization its final status,
    /// once its customer's state was synced (or the wait ended). Returns how many rows changed.
    /// </summary>
    public async Task<int> ResolveWaitingAsync(WebhookSource source, string customerId, ProcessingStatus status, string detail, CancellationToken cancellationToken = default)
    {
        var changed = 0;
        var filter = TableClient.CreateQueryFilter($"CustomerId eq {customerId} and Status eq {ProcessingStatus.WaitingForOrganization.Name()}");
        await foreach (var row in QueryPartitionsAsync(PartitionsOf(source.Name), filter, [Columns.PartitionKey, Columns.RowKey], cancellationToken).ConfigureAwait(false))
        {
            var update = new TableEntity(row.PartitionKey, row.RowKey) { [Columns.Status] = status.Name(), [Columns.Detail] = Truncate(detail), [Columns.CompletedAt] = time.GetUtcNow() };
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

    /// <summary>The ledger entry of one event, or null.</summary>
    public async Task<LedgerEntry?> FindAsync(WebhookSource source, string eventId, CancellationToken cancellationToken = default)
    {
        return (await LookupAsync(source.Name, StorageKeys.Key(eventId), cancellationToken).ConfigureAwait(false)).Row is { } row ? Entry(row) : null;
    }

    /// <summary>
    /// An event's row: from its home bucket when it is there and final, else from whichever bucket holds it (a final row
    /// first), read in parallel. And the unfinished row left in its home bucket when the final one is elsewhere (a
    /// failed attempt recorded at home before another delivery recorded the event with others).
    /// </summary>
    private async Task<(TableEntity? Row, TableEntity? StrayAtHome)> LookupAsync(string source, string key, CancellationToken cancellationToken)
    {
        var home = PartitionOfKey(source, key);
        NullableResponse<TableEntity> atHome = await Rows.GetEntityIfExistsAsync<TableEntity>(home, key, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (atHome.HasValue && IsFinal(atHome.Value!))
        {
            return (atHome.Value, null);
        }

        var elsewhere = await Task.WhenAll(PartitionsOf(source).Where(partition => partition != home).Select(async partition =>
        {
            NullableResponse<TableEntity> row = await Rows.GetEntityIfExistsAsync<TableEntity>(partition, key, cancellationToken: cancellationToken).ConfigureAwait(false);
            return row.HasValue ? row.Value : null;
        })).ConfigureAwait(false);
        var stray = atHome.HasValue ? atHome.Value : null;
        return elsewhere.FirstOrDefault(row => row is not null && IsFinal(row)) is { } final
            ? (final, stray)
            : (stray ?? elsewhere.FirstOrDefault(row => row is not null), null);
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

    private static bool IsFinal(TableEntity row) => ProcessingStatusNames.Parse(row.GetString(Columns.Status)).IsFinal();

    /// <summary>
    /// At most what a row weighs in a transaction's body: its strings as JSON text (an escaped character, such as a quote
    /// or any non-ASCII one, takes six bytes), and room for the rest.
    /// </summary>
    private static long ApproximateBytes(TableEntity row) => 2048 + row.Select(column => column.Value).OfType<string>().Sum(text => (long)text.Length * 6);

    /// <summary>
    /// Every entry that matches, read from the filtered source's partitions (or every known source's) in parallel; in no
    /// particular order.
    /// </summary>
    public async IAsyncEnumerable<LedgerEntry> ListAsync(LedgerFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        IReadOnlyList<WebhookSource> sources = filter.Source is { } one ? [one] : EventSources.Sources;
        await foreach (var row in QueryPartitionsAsync(sources.SelectMany(source => PartitionsOf(source.Name)), ColumnFilter(filter), null, cancellationToken).ConfigureAwait(false))
        {
            yield return Entry(row);
        }
    }

    /// <summary>One page of matching entries, in key order (source, bucket, event key); pass the token back for the next page.</summary>
    public async Task<LedgerPage> SearchAsync(LedgerFilter filter, int pageSize, string? continuationToken, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var filters = new List<string>();
        if (filter.Source is { } source)
        {
            // One range over the source's buckets keeps the server's paging; "-" sorts just below ".".
            filters.Add(TableClient.CreateQueryFilter($"PartitionKey ge {source.Name + "-"} and PartitionKey lt {source.Name + "."}"));
        }

        if (ColumnFilter(filter) is { } columns)
        {
            filters.Add(columns);
        }

        var query = Rows.QueryAsync<TableEntity>(filters.Count == 0 ? null : string.Join(" and ", filters.Select(f => $"({f})")), pageSize, cancellationToken: cancellationToken);
        await foreach (var page in query.AsPages(continuationToken, pageSize).ConfigureAwait(false))
        {
            return new LedgerPage([.. page.Values.Select(Entry)], page.ContinuationToken);
        }

        return new LedgerPage([], null);
    }

    /// <summary>
    /// Entries received before <paramref name="before"/> (every entry when null), with their keys, status and payload;
    /// the retention and erasure runs read the ledger with this.
    /// </summary>
    public IAsyncEnumerable<LedgerEntry> PayloadEntriesAsync(DateTimeOffset? before, CancellationToken cancellationToken = default) =>
        ListAsync(new LedgerFilter { ReceivedBefore = before }, cancellationToken);

    /// <summary>
    /// Removes the stored payload of one entry (the inline copy, or the blob and its reference), keeping the event's ids,
    /// type, status and times; records when and why. False when the row changed meanwhile (the next run sees it again).
    /// </summary>
    public async Task<bool> RemovePayloadAsync(LedgerEntry entry, string reason, PayloadStore payloads, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(payloads);
        var key = StorageKeys.Key(entry.EventId);
        NullableResponse<TableEntity> current = await Rows.GetEntityIfExistsAsync<TableEntity>(entry.Partition ?? PartitionOfKey(entry.Source, key), key, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!current.HasValue)
        {
            return false;
        }

        var row = current.Value!;
        if (row.GetString(Columns.PayloadBlob) is { } blob)
        {
            await payloads.DeleteAsync(blob, cancellationToken).ConfigureAwait(false);
        }

        foreach (var column in PayloadColumns)
        {
            row.Remove(column);
        }

        row[Columns.PayloadRemovedAt] = time.GetUtcNow();
        row[Columns.PayloadRemovedReason] = reason;
        try
        {
            await Rows.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>
    /// Rewrites the free-text columns of one entry (<c>Detail</c>, <c>LastError</c>) through <paramref name="redact"/>;
    /// false when neither changed or the entry is gone.
    /// </summary>
    public async Task<bool> RedactTextAsync(LedgerEntry entry, Func<string, string> redact, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(redact);
        var key = StorageKeys.Key(entry.EventId);
        while (true)
        {
            NullableResponse<TableEntity> current = await Rows.GetEntityIfExistsAsync<TableEntity>(entry.Partition ?? PartitionOfKey(entry.Source, key), key, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!current.HasValue)
            {
                return false;
            }

            var row = current.Value!;
            var changed = false;
            foreach (var column in new[] { Columns.Detail, Columns.LastError })
            {
                if (row.GetString(column) is { } text && redact(text) is var redacted && !ReferenceEquals(redacted, text))
                {
                    row[column] = redacted;
                    changed = true;
                }
            }

            if (!changed)
            {
                return false;
            }

            try
            {
                await Rows.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                // Written meanwhile (a retry recorded its outcome): read it again.
            }
        }
    }

    /// <summary>
    /// Moves rows written before partitions were spread (partition = the bare source name) to their bucket partition,
    /// keeping every column; a row already at its new place wins. Safe to run again and while consumers run. Returns how
    /// many rows moved (or, in a dry run, would move).
    /// </summary>
    public async Task<int> MigrateAsync(bool dryRun = false, CancellationToken cancellationToken = default)
    {
        var moved = 0;
        foreach (var source in EventSources.Sources)
        {
            await foreach (var row in Rows.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {source.Name}"), cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (dryRun)
                {
                    moved++;
                    continue;
                }

                var copy = new TableEntity(row) { PartitionKey = PartitionOfKey(source.Name, row.RowKey), RowKey = row.RowKey, ETag = default };
                copy.Remove("odata.etag");
                copy.Remove("Timestamp");
                copy[Columns.Source] = source.Name;
                try
                {
                    await Rows.AddEntityAsync(copy, cancellationToken).ConfigureAwait(false);
                }
                catch (RequestFailedException ex) when (ex.Status == 409)
                {
                    // The event came again after the upgrade: its new row is the current one.
                }

                try
                {
                    await Rows.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken).ConfigureAwait(false);
                    moved++;
                }
                catch (RequestFailedException ex) when (ex.Status is 404 or 412)
                {
                    // Changed or moved meanwhile; the next run looks again.
                }
            }
        }

        return moved;
    }

    private static IReadOnlyList<string> PayloadColumns { get; } = [Columns.Payload, Columns.PayloadBlob, Columns.PayloadLength, Columns.PayloadSha256];

    private static string PartitionOfKey(string source, string key) => Partition(source, Bucket(key));

    private static string Partition(string source, int bucket) => $"{source}-{bucket:D2}";

    /// <summary>FNV-1a of the key: stable across processes and versions, unlike <see cref="string.GetHashCode()"/>.</summary>
    private static int Bucket(string key)
    {
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % PartitionBuckets);
    }

    private static string? ColumnFilter(LedgerFilter filter)
    {
        var parts = new List<string>();
        if (filter.EventType is { } type)
        {
            parts.Add(TableClient.CreateQueryFilter($"EventType eq {type}"));
        }

        if (filter.Status is { } status)
        {
            parts.Add(TableClient.CreateQueryFilter($"Status eq {status}"));
        }

        if (filter.OrganizationId is { } organization)
        {
            parts.Add(TableClient.CreateQueryFilter($"OrganizationId eq {organization}"));
        }

        if (filter.CustomerId is { } customer)
        {
            parts.Add(TableClient.CreateQueryFilter($"CustomerId eq {customer}"));
        }

        if (filter.ReceivedFrom is { } from)
        {
            parts.Add(TableClient.CreateQueryFilter($"ReceivedAt ge {from}"));
        }

        if (filter.ReceivedBefore is { } before)
        {
            parts.Add(TableClient.CreateQueryFilter($"ReceivedAt lt {before}"));
        }

        return parts.Count == 0 ? null : string.Join(" and ", parts);
    }

    /// <summary>The matching rows of several partitions, read in parallel and handed over as they arrive.</summary>
    private async IAsyncEnumerable<TableEntity> QueryPartitionsAsync(IEnumerable<string> partitions, string? filter, IEnumerable<string>? select, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var rows = Channel.CreateBounded<TableEntity>(1000);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var readers = partitions.Select(async partition =>
        {
            var own = TableClient.CreateQueryFilter($"PartitionKey eq {partition}");
            await foreach (var row in Rows.QueryAsync<TableEntity>(filter is null ? own : $"{own} and ({filter})", select: select, cancellationToken: stop.Token).ConfigureAwait(false))
            {
                await rows.Writer.WriteAsync(row, stop.Token).ConfigureAwait(false);
            }
        }).ToArray();
        var all = Task.WhenAll(readers);
        _ = all.ContinueWith(done => rows.Writer.TryComplete(done.Exception?.InnerException), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await foreach (var row in rows.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return row;
            }
        }
        finally
        {
            // A reader that stops early must not leave the queries running.
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await all.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private static LedgerEntry Entry(TableEntity row)
    {
        var statusName = row.GetString(Columns.Status);
        return new LedgerEntry(row.GetString(Columns.Source) ?? SourceOf(row.PartitionKey), row.GetString(Columns.EventId) ?? row.RowKey)
        {
            Partition = row.PartitionKey,
            EventType = row.GetString(Columns.EventType),
            Status = ProcessingStatusNames.Parse(statusName),
            StatusName = statusName,
            Attempts = row.GetInt32(Columns.Attempts) ?? 0,
            ReplayCount = row.GetInt32(Columns.ReplayCount) ?? 0,
            Detail = row.GetString(Columns.Detail),
            LastError = row.GetString(Columns.LastError),
            OrganizationId = row.GetString(Columns.OrganizationId),
            CustomerId = row.GetString(Columns.CustomerId),
            FirstDeliveryId = row.GetString(Columns.FirstDeliveryId),
            LastDeliveryId = row.GetString(Columns.LastDeliveryId),
            ApiVersion = row.GetString(Columns.ApiVersion),
            OccurredAt = row.GetDateTimeOffset(Columns.OccurredAt),
            ReceivedAt = row.GetDateTimeOffset(Columns.ReceivedAt),
            LastAttemptAt = row.GetDateTimeOffset(Columns.LastAttemptAt),
            LeaseUntil = row.GetDateTimeOffset(Columns.LeaseUntil),
            CompletedAt = row.GetDateTimeOffset(Columns.CompletedAt),
            LastFailedAt = row.GetDateTimeOffset(Columns.LastFailedAt),
            Payload = row.GetString(Columns.Payload),
            PayloadBlob = row.GetString(Columns.PayloadBlob) is { } blob && blob.IndexOf('/', StringComparison.Ordinal) is var slash and > 0
                ? new PayloadReference(blob[..slash], blob[(slash + 1)..], row.GetInt64(Columns.PayloadLength) ?? 0, row.GetString(Columns.PayloadSha256) ?? string.Empty)
                : null,
            PayloadRemovedAt = row.GetDateTimeOffset(Columns.PayloadRemovedAt),
            PayloadRemovedReason = row.GetString(Columns.PayloadRemovedReason),
        };
    }

    /// <summary>The source of a partition: <c>scalekit-07</c> (or, before the migration, <c>scalekit</c>).</summary>
    private static string SourceOf(string partition) =>
        partition.Length > 3 && partition[^3] == '-' && char.IsAsciiDigit(partition[^2]) && char.IsAsciiDigit(partition[^1]) ? partition[..^3] : partition;

    private TableEntity NewRow(EventEnvelope envelope, ReadOnlyMemory<byte> payload, string partition, string key, DateTimeOffset now)
    {
        var row = new TableEntity(partition, key)
        {
            [Columns.Source] = envelope.Source.Name,
            [Columns.EventId] = envelope.EventId,
            [Columns.EventType] = envelope.EventType,
            [Columns.Status] = ProcessingStatus.Processing.Name(),
            [Columns.Attempts] = 1,
            [Columns.LeaseUntil] = now + claimLease,
            [Columns.LastAttemptAt] = now,
            [Columns.FirstDeliveryId] = envelope.DeliveryId,
            [Columns.LastDeliveryId] = envelope.DeliveryId,
            [Columns.OccurredAt] = envelope.OccurredAt,
            [Columns.ReceivedAt] = envelope.ReceivedAt,
            [Columns.ApiVersion] = envelope.ApiVersion,
            [Columns.ReplayCount] = envelope.ReplayCount,
        };
        if (envelope.PayloadBlob is { } blob)
        {
            row[Columns.PayloadBlob] = $"{blob.Container}/{blob.BlobName}";
            row[Columns.PayloadLength] = blob.Length;
            row[Columns.PayloadSha256] = blob.Sha256;
        }
        else if (payload.Length <= MaxInlinePayloadChars)
        {
            row[Columns.Payload] = Encoding.UTF8.GetString(payload.Span);
        }

        return row;
    }

    private static TableEntity Outcome(TableEntity row, ProcessingStatus status, string detail, string? organizationId, string? customerId, DateTimeOffset now)
    {
        row[Columns.Status] = status.Name();
        row[Columns.Detail] = Truncate(detail);
        row[Columns.CompletedAt] = now;
        row.Remove(Columns.LeaseUntil);
        if (organizationId is not null)
        {
            row[Columns.OrganizationId] = organizationId;
        }

        if (customerId is not null)
        {
            row[Columns.CustomerId] = customerId;
        }

        return row;
    }

    private static TableEntity Failure(TableEntity row, Exception error, DateTimeOffset now)
    {
        row[Columns.Status] = ProcessingStatus.Failed.Name();
        row[Columns.LastError] = Truncate($"{error.GetType().Name}: {error.Message}");
        row[Columns.LastFailedAt] = now;
        row.Remove(Columns.LeaseUntil);
        return row;
    }

    private static string Truncate(string text) => text.Length <= 4000 ? text : text[..4000] + "…";

    /// <summary>The ledger's columns; nothing outside this class names them.</summary>
    private static class Columns
    {
        public const string PartitionKey = "PartitionKey";
        public const string RowKey = "RowKey";
        public const string Source = "Source";
        public const string EventId = "EventId";
        public const string EventType = "EventType";
        public const string Status = "Status";
        public const string Attempts = "Attempts";
        public const string LeaseUntil = "LeaseUntil";
        public const string LastAttemptAt = "LastAttemptAt";
        public const string FirstDeliveryId = "FirstDeliveryId";
        public const string LastDeliveryId = "LastDeliveryId";
        public const string OccurredAt = "OccurredAt";
        public const string ReceivedAt = "ReceivedAt";
        public const string ApiVersion = "ApiVersion";
        public const string ReplayCount = "ReplayCount";
        public const string Detail = "Detail";
        public const string CompletedAt = "CompletedAt";
        public const string OrganizationId = "OrganizationId";
        public const string CustomerId = "CustomerId";
        public const string LastError = "LastError";
        public const string LastFailedAt = "LastFailedAt";
        public const string Payload = "Payload";
        public const string PayloadBlob = "PayloadBlob";
        public const string PayloadLength = "PayloadLength";
        public const string PayloadSha256 = "PayloadSha256";
        public const string PayloadRemovedAt = "PayloadRemovedAt";
        public const string PayloadRemovedReason = "PayloadRemovedReason";
    }
}

/// <summary>A consumer's hold on one ledger row.</summary>
public sealed record LedgerClaim(string PartitionKey, string RowKey, ETag ETag, int Attempt);

/// <summary>Another consumer is applying the same event right now; the queue retries this delivery later.</summary>
public sealed class EventInProgressException(WebhookSource source, string eventId, DateTimeOffset claimedUntil)
    : Exception($"{source.Name} event {eventId} is being processed by another consumer (claimed until {claimedUntil:O}); this delivery will be retried.");
