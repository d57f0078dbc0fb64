using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Hr.Connections;

/// <summary>A connection's refused deliveries: how many per reason code, and when the last one came.</summary>
public sealed record HrRefusalCounts(IReadOnlyDictionary<string, long> ByReason, DateTimeOffset? LastRefusedAt)
{
    public static HrRefusalCounts None { get; } = new(new Dictionary<string, long>(), null);
}

/// <summary>
/// The refused-deliveries table: one row per HR connection (or shared route, such as <c>merge</c>), a count column per
/// reason code and the time of the last refusal. Each refusal is one ETag-checked merge; refusals are rare and the
/// address that sends them is throttled, and the accepted path never writes here.
/// </summary>
public sealed class HrConnectionRefusals(StorageClients clients, TimeProvider time) : IConnectionRefusals
{
    private const string Partition = "hr";
    private const string LastRefusedAtColumn = "LastRefusedAt";
    private const string CountPrefix = "n_";
    private const int MaxAttempts = 5;

    private TableClient Table => clients.Tables.GetTableClient(StorageNames.HrConnectionRefusalsTable);

    public WebhookSource Source => HrSource.Id;

    public async Task RecordAsync(string connectionId, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionId);
        ArgumentException.ThrowIfNullOrEmpty(reason);
        var column = CountPrefix + reason;
        var rowKey = StorageKeys.Key(connectionId);
        for (var attempt = 1; ; attempt++)
        {
            NullableResponse<TableEntity> current = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            var row = current.HasValue ? current.Value! : new TableEntity(Partition, rowKey);
            var change = new TableEntity(Partition, rowKey)
            {
                [column] = (row.GetInt64(column) ?? 0) + 1,
                [LastRefusedAtColumn] = time.GetUtcNow(),
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
                // Another refusal of the same connection was counted meanwhile: read again and add to its count.
            }
        }
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
        return new HrRefusalCounts(byReason, counts.GetDateTimeOffset(LastRefusedAtColumn));
    }

}
