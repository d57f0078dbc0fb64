using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.State;

/// <summary>
/// Writes read-model rows in event order with optimistic concurrency: each row remembers the stamp of the last event
/// applied to it, an older event is reported <see cref="ApplyResult.Stale"/>, and concurrent writers are serialised by
/// ETags (a lost race re-reads and decides again), never by locks in memory.
/// </summary>
public sealed class StateStore(StorageClients clients)
{
    public const string LastEventAt = "LastEventAt";
    public const string LastEventId = "LastEventId";
    public const string LastEventType = "LastEventType";
    public const string DeletedAt = "DeletedAt";
    private const int MaxRaces = 10;

    public async Task<ApplyResult> ApplyAsync(StateChange change, EventStamp stamp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(stamp);
        var table = clients.Tables.GetTableClient(change.Table);
        var partitionKey = StorageKeys.Key(change.PartitionId);
        var rowKey = StorageKeys.Key(change.RowId);
        for (var race = 0; race < MaxRaces; race++)
        {
            NullableResponse<TableEntity> current = await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!current.HasValue)
            {
                try
                {
                    await table.AddEntityAsync(Build(new TableEntity(partitionKey, rowKey), change, stamp), cancellationToken).ConfigureAwait(false);
                    return ApplyResult.Applied;
                }
                catch (RequestFailedException ex) when (ex.Status == 409)
                {
                    continue;
                }
            }

            var row = current.Value!;
            var last = StampOf(row);
            if (last is not null && last >= stamp)
            {
                // The same event again changes nothing; an older one must not overwrite newer state.
                return last.EventId == stamp.EventId ? ApplyResult.Applied : ApplyResult.Stale;
            }

            try
            {
                await table.UpdateEntityAsync(Build(row, change, stamp), row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return ApplyResult.Applied;
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                // Another consumer wrote the row first; read it again and decide again.
            }
        }

        throw new InvalidOperationException($"Gave up writing {change.Table}/{partitionKey}/{rowKey} after {MaxRaces} concurrent updates.");
    }

    public static EventStamp? StampOf(TableEntity row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.GetDateTimeOffset(LastEventAt) is { } at && row.GetString(LastEventId) is { } id
            ? new EventStamp(at, id, row.GetString(LastEventType) ?? string.Empty)
            : null;
    }

    private static TableEntity Build(TableEntity row, StateChange change, EventStamp stamp)
    {
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
