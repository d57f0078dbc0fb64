using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Storage;
using static Scalekit.Webhooks.Processing.EventLedgerCodec;

namespace Scalekit.Webhooks.Processing;

/// <summary>
/// The event ledger's table, shared by its three callers (<see cref="EventLedger"/> for consumers,
/// <see cref="EventLedgerQueries"/> for ops and health, <see cref="EventLedgerMaintenance"/> for retention, erasure and
/// migration): the only code that knows the table, its columns, its partitions and how a row reads as a
/// <see cref="LedgerEntry"/>. Rows are spread over <see cref="PartitionBuckets"/> partitions per source
/// (<c>scalekit-07</c>: the source and a hash bucket of the event id), so no partition carries a whole source.
/// </summary>
internal sealed class EventLedgerRows(StorageClients clients)
{
    /// <summary>Partitions per source. Fixed: changing it moves every row (see <see cref="EventLedgerMaintenance.MigrateAsync"/>).</summary>
    public const int PartitionBuckets = 16;

    // A table client is thread-safe and not free to build (it parses its URI): one for the owner's lifetime.
    private TableClient? _table;

    public TableClient Table => _table ??= clients.LedgerTables.GetTableClient(StorageNames.EventLedgerTable);

    public static string PartitionOfKey(string source, string key) => Partition(source, Bucket(key));

    public static string Partition(string source, int bucket) => $"{source}-{bucket:D2}";

    public static IEnumerable<string> PartitionsOf(string source) => Enumerable.Range(0, PartitionBuckets).Select(bucket => Partition(source, bucket));

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

    /// <summary>
    /// An event's row: from its home bucket when it is there and final, else from whichever bucket holds it (a final row
    /// first), read in parallel. And the unfinished row left in its home bucket when the final one is elsewhere (a
    /// failed attempt recorded at home before another delivery recorded the event with others).
    /// </summary>
    public async Task<(TableEntity? Row, TableEntity? StrayAtHome)> LookupAsync(string source, string key, CancellationToken cancellationToken)
    {
        var home = PartitionOfKey(source, key);
        NullableResponse<TableEntity> atHome = await Table.GetEntityIfExistsAsync<TableEntity>(home, key, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (atHome.HasValue && IsFinal(atHome.Value!))
        {
            return (atHome.Value, null);
        }

        var elsewhere = await Task.WhenAll(PartitionsOf(source).Where(partition => partition != home).Select(async partition =>
        {
            NullableResponse<TableEntity> row = await Table.GetEntityIfExistsAsync<TableEntity>(partition, key, cancellationToken: cancellationToken).ConfigureAwait(false);
            return row.HasValue ? row.Value : null;
        })).ConfigureAwait(false);
        var stray = atHome.HasValue ? atHome.Value : null;
        return elsewhere.FirstOrDefault(row => row is not null && IsFinal(row)) is { } final
            ? (final, stray)
            : (stray ?? elsewhere.FirstOrDefault(row => row is not null), null);
    }

    /// <summary>
    /// Every entry that matches, read from the filtered source's partitions (or every known source's) in parallel; in no
    /// particular order.
    /// </summary>
    public async IAsyncEnumerable<LedgerEntry> ListAsync(LedgerFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        IReadOnlyList<WebhookSource> sources = filter.Source is { } one ? [one] : EventSources.Sources;
        await foreach (var row in QueryPartitionsAsync(sources.SelectMany(source => PartitionsOf(source.Name)), ColumnFilter(filter), null, cancellationToken).ConfigureAwait(false))
        {
            yield return Entry(row);
        }
    }

    /// <summary>The matching rows of several partitions, read in parallel and handed over as they arrive.</summary>
    public async IAsyncEnumerable<TableEntity> QueryPartitionsAsync(IEnumerable<string> partitions, string? filter, IEnumerable<string>? select, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var rows = Channel.CreateBounded<TableEntity>(1000);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var readers = partitions.Select(async partition =>
        {
            var own = TableClient.CreateQueryFilter($"PartitionKey eq {partition}");
            await foreach (var row in Table.QueryAsync<TableEntity>(filter is null ? own : $"{own} and ({filter})", select: select, cancellationToken: stop.Token).ConfigureAwait(false))
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

    /// <summary>The filter's conditions on columns (not on the partition), or null when it has none.</summary>
    public static string? ColumnFilter(LedgerFilter filter)
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
}
