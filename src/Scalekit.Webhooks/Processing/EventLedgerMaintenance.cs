using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Storage;
using static Scalekit.Webhooks.Processing.EventLedgerCodec;
using static Scalekit.Webhooks.Processing.EventLedgerRows;

namespace Scalekit.Webhooks.Processing;

/// <summary>Work on the event ledger outside event processing: payload retention and erasure, and the storage migration.</summary>
/// <param name="clients">The storage clients; the ledger's table is on <see cref="StorageClients.LedgerTables"/>.</param>
/// <param name="time">The clock for when a payload was removed.</param>
public sealed class EventLedgerMaintenance(StorageClients clients, TimeProvider time)
{
    private static readonly string[] PayloadColumns = [Columns.Payload, Columns.PayloadBlob, Columns.PayloadLength, Columns.PayloadSha256];

    private readonly EventLedgerRows _rows = new(clients);

    /// <summary>
    /// Entries received before <paramref name="before"/> (every entry when null), with their keys, status and payload;
    /// the retention and erasure runs read the ledger with this.
    /// </summary>
    public IAsyncEnumerable<LedgerEntry> PayloadEntriesAsync(DateTimeOffset? before, CancellationToken cancellationToken = default) =>
        _rows.ListAsync(new LedgerFilter { ReceivedBefore = before }, cancellationToken);

    /// <summary>
    /// Removes the stored payload of one entry (the inline copy, or the blob and its reference), keeping the event's ids,
    /// type, status and times; records when and why. False when the row changed meanwhile (the next run sees it again).
    /// </summary>
    public async Task<bool> RemovePayloadAsync(LedgerEntry entry, string reason, PayloadStore payloads, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(payloads);
        var key = StorageKeys.Key(entry.EventId);
        NullableResponse<TableEntity> current = await _rows.Table.GetEntityIfExistsAsync<TableEntity>(entry.Partition ?? PartitionOfKey(entry.Source, key), key, cancellationToken: cancellationToken).ConfigureAwait(false);
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
            await _rows.Table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
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
            NullableResponse<TableEntity> current = await _rows.Table.GetEntityIfExistsAsync<TableEntity>(entry.Partition ?? PartitionOfKey(entry.Source, key), key, cancellationToken: cancellationToken).ConfigureAwait(false);
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
                await _rows.Table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
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
            await foreach (var row in _rows.Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {source.Name}"), cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (dryRun)
                {
                    moved++;
                    continue;
                }

                if (await MoveAsync(source, row, cancellationToken).ConfigureAwait(false))
                {
                    moved++;
                }
            }
        }

        return moved;
    }

    private async Task<bool> MoveAsync(WebhookSource source, TableEntity row, CancellationToken cancellationToken)
    {
        var copy = new TableEntity(row) { PartitionKey = PartitionOfKey(source.Name, row.RowKey), RowKey = row.RowKey, ETag = default };
        copy.Remove("odata.etag");
        copy.Remove("Timestamp");
        copy[Columns.Source] = source.Name;
        try
        {
            await _rows.Table.AddEntityAsync(copy, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // The event came again after the upgrade: its new row is the current one.
        }

        try
        {
            await _rows.Table.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // Changed or moved meanwhile; the next run looks again.
            return false;
        }
    }
}
