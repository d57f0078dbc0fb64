using System.Collections.Concurrent;
using System.Collections.ObjectModel;
using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.State;

namespace Scalekit.Webhooks.Storage;

/// <summary>
/// Writes read-model rows in event order with optimistic concurrency: each row remembers the stamp of the last event
/// applied to it, an older event is reported <see cref="ApplyResult.Stale"/>, and concurrent writers are serialised by
/// ETags (a lost race re-reads and decides again), never by locks in memory.
/// </summary>
/// <remarks>
/// The rows this process wrote last are remembered with their ETags, so the next event for a hot row skips the read:
/// the write is conditional on that ETag, and if anyone else wrote the row since, storage refuses it (412) and the
/// store reads the row and decides again. An event the memory finds stale or already applied is decided from a read,
/// since no conditional write would check the memory then. Erasing a person's columns and the one-off migration of
/// the shared partition work on the same rows, each in a file of its own (<c>StateStore.*.cs</c>).
/// </remarks>
public sealed partial class StateStore(StorageClients clients, TimeProvider time)
{
    /// <summary>Most rows remembered; past it the memory starts afresh (a cold row costs one read, never a wrong write).</summary>
    private const int MaxRemembered = 20_000;

    private readonly ConcurrentDictionary<(string Table, string PartitionKey, string RowKey), TableEntity> _written = new();

    private readonly ConcurrentDictionary<string, TableClient> _tables = new(StringComparer.Ordinal);

    public const string LastEventAt = "LastEventAt";
    public const string LastEventId = "LastEventId";
    public const string LastEventType = "LastEventType";
    public const string DeletedAt = "DeletedAt";

    /// <summary>When a person's data was erased from the row.</summary>
    public const string ErasedAt = "ErasedAt";

    /// <summary>The id a row was written for, as the sender wrote it (its key may be bounded and so not reversible).</summary>
    public const string RowId = "EntityId";

    /// <summary>The id of the entity that owns the row's partition (an organization, a user, a customer).</summary>
    public const string OwnerId = "OwnerId";
    private const int MaxRaces = 10;

    public async Task<ApplyResult> ApplyAsync(StateChange change, EventStamp stamp, CancellationToken cancellationToken = default) =>
        (await ApplyRowAsync(change, stamp, cancellationToken).ConfigureAwait(false)).Result;

    /// <summary>Applies <paramref name="change"/> as <see cref="ApplyAsync(StateChange, EventStamp, CancellationToken)"/> does, and says what it found (see <see cref="RowApply"/>).</summary>
    public Task<RowApply> ApplyRowAsync(StateChange change, EventStamp stamp, CancellationToken cancellationToken = default) =>
        ApplyAsync(change, stamp, NoMore, cancellationToken);

    /// <summary>
    /// Applies <paramref name="change"/> as <see cref="ApplyAsync(StateChange, EventStamp, CancellationToken)"/> does, with
    /// more properties that depend on the row as stored: <paramref name="extend"/> gets its columns (null when there is no
    /// row yet) and returns the properties to add. It is called again for each lost race, so its last call is for the
    /// row that was written.
    /// </summary>
    public async Task<RowApply> ApplyAsync(StateChange change, EventStamp stamp, Func<IReadOnlyDictionary<string, object>?, IReadOnlyDictionary<string, object?>> extend, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(stamp);
        ArgumentNullException.ThrowIfNull(extend);
        var table = Table(change.Table);
        var partitionKey = StorageKeys.Key(change.PartitionId);
        var rowKey = StorageKeys.Key(change.RowId);
        var key = (change.Table, partitionKey, rowKey);
        for (var race = 0; race < MaxRaces; race++)
        {
            // The remembered row itself, not a copy: it is only read here, and the write below builds a row of its own.
            var row = race == 0 && _written.TryGetValue(key, out var remembered) ? remembered : null;
            var fromMemory = row is not null;
            if (row is null)
            {
                var insertFirst = race == 0 && change.LikelyNew;
                NullableResponse<TableEntity>? current = insertFirst
                    ? null
                    : await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (current is null || !current.HasValue)
                {
                    try
                    {
                        var added = Build(new TableEntity(partitionKey, rowKey), change, extend(null), stamp);
                        var response = await table.AddEntityAsync(added, cancellationToken).ConfigureAwait(false);
                        RememberOwn(key, added, response.Headers.ETag);
                        return new RowApply(ApplyResult.Applied, null, Repeated: false);
                    }
                    catch (RequestFailedException ex) when (ex.Status == 409)
                    {
                        continue;
                    }
                }

                row = current.Value!;
            }

            var last = StampOf(row);
            if (last is not null && last >= stamp && fromMemory)
            {
                // Nothing to write, so no ETag would check the memory: decide from the stored row instead.
                continue;
            }

            if (last is not null && last >= stamp)
            {
                // The same event again changes nothing; an older one must not overwrite newer state.
                var repeated = last.EventId == stamp.EventId;
                return new RowApply(repeated ? ApplyResult.Applied : ApplyResult.Stale, Columns(row), repeated);
            }

            try
            {
                var before = Columns(row);
                var updated = Build(new TableEntity(row), change, extend(before), stamp);
                var response = await table.UpdateEntityAsync(updated, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                RememberOwn(key, updated, response.Headers.ETag);
                return new RowApply(ApplyResult.Applied, before, Repeated: false);
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404)
            {
                // Another consumer wrote (or someone deleted) the row first; read it again and decide again.
                _written.TryRemove(key, out _);
            }
        }

        throw new InvalidOperationException($"Gave up writing {change.Table}/{partitionKey}/{rowKey} after {MaxRaces} concurrent updates.");
    }

    /// <summary>
    /// Sets <paramref name="change"/>'s properties on its row only while the last event applied to the row is still
    /// <paramref name="stamp"/> (the row's order and soft-delete stay as they are). Returns false when the row is gone
    /// or a newer event has written it since: that event's writer has the say then.
    /// </summary>
    public async Task<bool> AmendAsync(StateChange change, EventStamp stamp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(stamp);
        var table = Table(change.Table);
        var key = (change.Table, StorageKeys.Key(change.PartitionId), StorageKeys.Key(change.RowId));
        for (var race = 0; race < MaxRaces; race++)
        {
            var row = race == 0 ? Recall(key) : null;
            var fromMemory = row is not null;
            if (row is null)
            {
                NullableResponse<TableEntity> current = await table.GetEntityIfExistsAsync<TableEntity>(key.Item2, key.Item3, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (!current.HasValue)
                {
                    return false;
                }

                row = current.Value!;
            }

            if (StampOf(row) is not { } last || last.CompareTo(stamp) != 0)
            {
                if (fromMemory)
                {
                    continue;
                }

                return false;
            }

            foreach (var (name, value) in change.Properties)
            {
                if (value is null)
                {
                    row.Remove(name);
                }
                else
                {
                    row[name] = value;
                }
            }

            try
            {
                var response = await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                Remember(key, row, response.Headers.ETag);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404)
            {
                _written.TryRemove(key, out _);
            }
        }

        throw new InvalidOperationException($"Gave up amending {change.Table}/{key.Item2}/{key.Item3} after {MaxRaces} concurrent updates.");
    }

    // A table client is thread-safe and not free to build (it parses its URI): one per table for the store's lifetime.
    private TableClient Table(string name) => _tables.GetOrAdd(name, static (table, all) => all.Tables.GetTableClient(table), clients);

    private static readonly IReadOnlyDictionary<string, object?> Nothing = new Dictionary<string, object?>();

    private static IReadOnlyDictionary<string, object?> NoMore(IReadOnlyDictionary<string, object>? row) => Nothing;

    private static ReadOnlyDictionary<string, object> Columns(TableEntity row) => new(row);

    /// <summary>
    /// The row as this process last wrote it to <paramref name="table"/>, with its ETag (a copy), or null when not
    /// remembered. A write conditional on that ETag fails (412) if anyone wrote the row since.
    /// </summary>
    public TableEntity? Recall(string table, string partitionKey, string rowKey) => Recall((table, partitionKey, rowKey));

    private TableEntity? Recall((string Table, string PartitionKey, string RowKey) key) =>
        _written.TryGetValue(key, out var row) ? new TableEntity(row) { ETag = row.ETag } : null;

    /// <summary>Remembers a row of <paramref name="table"/> its store wrote itself, so the next write to it can skip the read.</summary>
    public void RememberWritten(string table, TableEntity row, ETag etag)
    {
        ArgumentNullException.ThrowIfNull(row);
        Remember((table, row.PartitionKey, row.RowKey), row, etag);
    }

    private void Remember((string, string, string) key, TableEntity row, ETag? etag) => RememberOwn(key, new TableEntity(row), etag);

    /// <summary>Remembers <paramref name="row"/> itself, which nothing may change afterwards (the memory hands out copies or only reads it).</summary>
    private void RememberOwn((string, string, string) key, TableEntity row, ETag? etag)
    {
        if (etag is not { } known)
        {
            _written.TryRemove(key, out _);
            return;
        }

        if (_written.Count >= MaxRemembered)
        {
            _written.Clear();
        }

        row.ETag = known;
        _written[key] = row;
    }

    /// <summary>An id a row stores, or the one its key was made from (rows written before ids were stored).</summary>
    public static string? IdOf(TableEntity row, string column, string key)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.GetString(column) ?? (StorageKeys.TryDecode(key, out var id) ? id : null);
    }

    public static EventStamp? StampOf(TableEntity row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.GetDateTimeOffset(LastEventAt) is { } at && row.GetString(LastEventId) is { } id
            ? new EventStamp(at, id, row.GetString(LastEventType) ?? string.Empty)
            : null;
    }

    private static TableEntity Build(TableEntity row, StateChange change, IReadOnlyDictionary<string, object?> more, EventStamp stamp)
    {
        foreach (var (name, value) in change.Properties.Concat(more))
        {
            if (value is null)
            {
                row.Remove(name);
            }
            else
            {
                row[name] = value;
            }
        }

        row[OwnerId] = change.PartitionId;
        row[RowId] = change.RowId;
        row[LastEventAt] = stamp.OccurredAt;
        row[LastEventId] = stamp.EventId;
        row[LastEventType] = stamp.EventType;
        if (change.SoftDelete)
        {
            row[DeletedAt] = change.Properties.TryGetValue(DeletedAt, out var at) && at is not null ? at : stamp.OccurredAt;
        }
        else if (!change.Properties.ContainsKey(DeletedAt))
        {
            row.Remove(DeletedAt);
        }

        return row;
    }
}
