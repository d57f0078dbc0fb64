using Azure.Data.Tables;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Processing;

/// <summary>Reads the event ledger for operators, health reports and the replayer: one event, a listing, or a page.</summary>
/// <param name="clients">The storage clients; the ledger's table is on <see cref="StorageClients.LedgerTables"/>.</param>
public sealed class EventLedgerQueries(StorageClients clients)
{
    private readonly EventLedgerRows _rows = new(clients);

    /// <summary>The ledger entry of one event, or null.</summary>
    public async Task<LedgerEntry?> FindAsync(WebhookSource source, string eventId, CancellationToken cancellationToken = default)
    {
        var (row, _) = await _rows.LookupAsync(source.Name, StorageKeys.Key(eventId), cancellationToken).ConfigureAwait(false);
        return row is null ? null : EventLedgerCodec.Entry(row);
    }

    /// <summary>
    /// Every entry that matches, read from the filtered source's partitions (or every known source's) in parallel; in no
    /// particular order.
    /// </summary>
    public IAsyncEnumerable<LedgerEntry> ListAsync(LedgerFilter filter, CancellationToken cancellationToken = default) => _rows.ListAsync(filter, cancellationToken);

    /// <summary>
    /// The entries of <paramref name="source"/> whose event id starts with <paramref name="eventIdPrefix"/> (a connection's
    /// <c>{connection}:</c>) received at or after <paramref name="receivedFrom"/>: a key range in each of the source's
    /// partitions, read in parallel, in no particular order, without payloads. An event whose row is in two buckets (see
    /// <see cref="EventLedgerRows.LookupAsync"/>) may come twice.
    /// </summary>
    public IAsyncEnumerable<LedgerEntry> ListByEventIdPrefixAsync(WebhookSource source, string eventIdPrefix, DateTimeOffset receivedFrom, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventIdPrefix);
        // Keys encode an id character by character and a long key keeps its start, so every key of the prefix's ids
        // starts with the prefix's own key (prefixes stay far below the kept start).
        var from = StorageKeys.Key(eventIdPrefix);
        var to = from[..^1] + (char)(from[^1] + 1);
        var filter = TableClient.CreateQueryFilter($"RowKey ge {from} and RowKey lt {to} and ReceivedAt ge {receivedFrom}");
        return Entries(_rows.QueryPartitionsAsync(EventLedgerRows.PartitionsOf(source.Name), filter, SummaryColumns, cancellationToken));

        static async IAsyncEnumerable<LedgerEntry> Entries(IAsyncEnumerable<TableEntity> rows)
        {
            await foreach (var row in rows.ConfigureAwait(false))
            {
                yield return EventLedgerCodec.Entry(row);
            }
        }
    }

    private static readonly string[] SummaryColumns =
    [
        EventLedgerCodec.Columns.Source, EventLedgerCodec.Columns.EventId, EventLedgerCodec.Columns.EventType, EventLedgerCodec.Columns.Status,
        EventLedgerCodec.Columns.Detail, EventLedgerCodec.Columns.LastError, EventLedgerCodec.Columns.ReceivedAt,
        EventLedgerCodec.Columns.CompletedAt, EventLedgerCodec.Columns.LastFailedAt,
    ];

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

        if (EventLedgerRows.ColumnFilter(filter) is { } columns)
        {
            filters.Add(columns);
        }

        var query = _rows.Table.QueryAsync<TableEntity>(filters.Count == 0 ? null : string.Join(" and ", filters.Select(f => $"({f})")), pageSize, cancellationToken: cancellationToken);
        await foreach (var page in query.AsPages(continuationToken, pageSize).ConfigureAwait(false))
        {
            return new LedgerPage([.. page.Values.Select(EventLedgerCodec.Entry)], page.ContinuationToken);
        }

        return new LedgerPage([], null);
    }
}
