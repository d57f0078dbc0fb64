using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.State;

/// <summary>
/// The reads every read-model store shares: the columns every row carries (<see cref="StateStore"/>), JSON columns,
/// and the point read, page and live count of one partition. Every row lives in the partition of the entity that owns
/// it (an organization, a user, a customer), so reads are point reads or single-partition queries, never table scans.
/// </summary>
internal static class ReadModelRows
{
    public static async Task<TableEntity?> GetAsync(TableClient table, string partitionId, string rowId, CancellationToken cancellationToken)
    {
        NullableResponse<TableEntity> row = await table.GetEntityIfExistsAsync<TableEntity>(StorageKeys.Key(partitionId), StorageKeys.Key(rowId), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value : null;
    }

    public static async Task<(IReadOnlyList<TableEntity> Rows, string? Token)> PageAsync(TableClient table, string partitionId, int pageSize, string? continuation, CancellationToken cancellationToken)
    {
        var query = table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {StorageKeys.Key(partitionId)}"), pageSize, cancellationToken: cancellationToken);
        await foreach (var page in query.AsPages(continuation, pageSize).ConfigureAwait(false))
        {
            return (page.Values, page.ContinuationToken);
        }

        return ([], null);
    }

    /// <summary>How many rows of the partition are not deleted.</summary>
    public static async Task<int> CountLiveAsync(TableClient table, string partitionId, CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {StorageKeys.Key(partitionId)}"),
            select: [StateStore.DeletedAt], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (!row.ContainsKey(StateStore.DeletedAt) || row[StateStore.DeletedAt] is null)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>The id the row was written for (rows from before ids were stored fall back to the key).</summary>
    public static string IdOf(TableEntity row) => StateStore.IdOf(row, StateStore.RowId, row.RowKey) ?? row.RowKey;

    public static RowHistory History(TableEntity row) => new(
        StateStore.StampOf(row),
        row.TryGetValue(StateStore.DeletedAt, out var deleted) && deleted is not null ? Time(deleted) : null,
        row.GetDateTimeOffset(StateStore.ErasedAt));

    // Deletion times come from the event as text or from the stamp as a time.
    private static DateTimeOffset? Time(object value) => value switch
    {
        DateTimeOffset time => time,
        DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
        string text when DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) => parsed,
        _ => null,
    };

    public static JsonElement? Json(TableEntity row, string column)
    {
        if (row.GetString(column) is not { } text)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static string[] Strings(TableEntity row, string column) =>
        row.GetString(column) is { } json ? JsonSerializer.Deserialize<string[]>(json) ?? [] : [];
}
