using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.Hr.Providers;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Hr.Connections;

/// <summary>
/// A connection's refused deliveries: how many per reason code, and when the last one came; and how many deliveries
/// the refusal throttle answered 429 on its address (counted apart: they were never read), and when the last one came.
/// </summary>
public sealed record HrRefusalCounts(IReadOnlyDictionary<string, long> ByReason, DateTimeOffset? LastRefusedAt)
{
    public static HrRefusalCounts None { get; } = new(new Dictionary<string, long>(), null);

    public long Throttled { get; init; }

    public DateTimeOffset? LastThrottledAt { get; init; }
}

/// <summary>
/// The refusals on a provider's shared address (<c>/api/webhooks/hr/{route}</c>) before a connection was chosen (a bad
/// signature, an unknown <c>end_user_origin_id</c>): they belong to no connection, so they are shown on their own.
/// </summary>
/// <param name="Route">The shared route's id (its provider's <see cref="HrProviderProfile.SharedRoute"/>).</param>
/// <param name="WebhookPath">The address.</param>
/// <param name="RefusedByReason">Refused deliveries, by the answer's reason code.</param>
/// <param name="LastRefusedAt">When the last refusal came.</param>
/// <param name="Throttled">Deliveries answered 429 by the refusal throttle.</param>
/// <param name="LastThrottledAt">When the last of those came.</param>
public sealed record HrSharedRouteRefusals(string Route, string WebhookPath, IReadOnlyDictionary<string, long> RefusedByReason, DateTimeOffset? LastRefusedAt, long Throttled, DateTimeOffset? LastThrottledAt);

/// <summary>
/// The refused-deliveries table: one row per HR connection (or shared route), a count column per
/// reason code and the time of the last refusal, and the throttled count with the time of the last one. Each refusal
/// is one ETag-checked merge; refusals are rare and the address that sends them is throttled, and the accepted path
/// never writes here. Throttled deliveries arrive summed (<see cref="ThrottledDeliveries"/>): one merge per connection
/// per flush, whatever their number.
/// </summary>
public sealed class HrConnectionRefusals(StorageClients clients, HrConnections connections, TimeProvider time) : IConnectionRefusals
{
    private const string Partition = "hr";
    private const string LastRefusedAtColumn = "LastRefusedAt";
    private const string ThrottledColumn = "Throttled";
    private const string LastThrottledAtColumn = "LastThrottledAt";
    private const string CountPrefix = "n_";
    private const int MaxAttempts = 5;

    private readonly string[] _sharedRoutes = [.. HrProviders.All.Select(provider => provider.SharedRoute).OfType<string>().Order(StringComparer.Ordinal)];

    private TableClient Table => clients.Tables.GetTableClient(StorageNames.HrConnectionRefusalsTable);

    public WebhookSource Source => HrSource.Id;

    public Task RecordAsync(string connectionId, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionId);
        ArgumentException.ThrowIfNullOrEmpty(reason);
        return AddAsync(connectionId, CountPrefix + reason, 1, LastRefusedAtColumn, time.GetUtcNow(), cancellationToken);
    }

    public bool IsKnownShape(string connectionId) =>
        HrConnectionIds.IsStored(connectionId) || connections.Defined(connectionId) is not null || _sharedRoutes.Contains(connectionId, StringComparer.Ordinal);

    public Task RecordThrottledAsync(string connectionId, long count, DateTimeOffset lastThrottledAt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return AddAsync(connectionId, ThrottledColumn, count, LastThrottledAtColumn, lastThrottledAt, cancellationToken);
    }

    /// <summary>The counts of <paramref name="connectionId"/>; none when it was never refused.</summary>
    public async Task<HrRefusalCounts> ReadAsync(string connectionId, CancellationToken cancellationToken = default)
    {
        NullableResponse<TableEntity> row = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, StorageKeys.Key(connectionId), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!row.HasValue)
        {
            return HrRefusalCounts.None;
        }

        var counts = row.Value!;
        var byReason = counts.Keys
            .Where(column => column.StartsWith(CountPrefix, StringComparison.Ordinal))
            .ToDictionary(column => column[CountPrefix.Length..], column => counts.GetInt64(column) ?? 0, StringComparer.Ordinal);
        return new HrRefusalCounts(byReason, counts.GetDateTimeOffset(LastRefusedAtColumn))
        {
            Throttled = counts.GetInt64(ThrottledColumn) ?? 0,
            LastThrottledAt = counts.GetDateTimeOffset(LastThrottledAtColumn),
        };
    }

    /// <summary>Every shared route's counts (zero when it was never refused): one point read each.</summary>
    public async Task<IReadOnlyList<HrSharedRouteRefusals>> ReadSharedRoutesAsync(CancellationToken cancellationToken = default)
    {
        var counts = await Task.WhenAll(_sharedRoutes.Select(route => ReadAsync(route, cancellationToken))).ConfigureAwait(false);
        return [.. _sharedRoutes.Zip(counts, (route, count) => new HrSharedRouteRefusals(
            route, $"/api/webhooks/{HrSource.Name}/{route}", count.ByReason, count.LastRefusedAt, count.Throttled, count.LastThrottledAt))];
    }

    /// <summary>Adds <paramref name="amount"/> to one count column of the connection's row and sets its time column, ETag-checked.</summary>
    private async Task AddAsync(string connectionId, string column, long amount, string timeColumn, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var rowKey = StorageKeys.Key(connectionId);
        for (var attempt = 1; ; attempt++)
        {
            NullableResponse<TableEntity> current = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            var row = current.HasValue ? current.Value! : new TableEntity(Partition, rowKey);
            var change = new TableEntity(Partition, rowKey)
            {
                [column] = (row.GetInt64(column) ?? 0) + amount,
                // Another instance may have written a later time already.
                [timeColumn] = row.GetDateTimeOffset(timeColumn) is { } written && written > at ? written : at,
            };
            try
            {
                if (current.HasValue)
                {
                    await Table.UpdateEntityAsync(change, row.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await Table.AddEntityAsync(change, cancellationToken).ConfigureAwait(false);
                }

                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // Another count of the same connection was written meanwhile: read again and add to it.
            }
        }
    }
}
