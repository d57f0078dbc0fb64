using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.Privacy;

namespace Scalekit.Webhooks.Storage;

/// <summary>Erasure: a person's columns removed from the read-model rows that hold them, and the subjects linked to them.</summary>
public sealed partial class StateStore
{
    /// <summary>
    /// Removes the personal columns of every row of <paramref name="table"/> whose match column for
    /// <paramref name="kind"/> holds <paramref name="subject"/>; the row, its ids and its ordering stamp stay. Returns
    /// how many rows were erased.
    /// </summary>
    public async Task<int> ErasePersonalDataAsync(PersonalDataTable table, ErasureSubjectKind kind, string subject, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        var client = clients.Tables.GetTableClient(table.Table);
        var rows = await MatchingRowsAsync(client, table, kind, subject, cancellationToken).ConfigureAwait(false);
        var erased = 0;
        foreach (var row in rows.Where(r => table.PersonalColumns.Any(r.ContainsKey)))
        {
            foreach (var personal in table.PersonalColumns)
            {
                row.Remove(personal);
            }

            row[ErasedAt] = time.GetUtcNow();
            await client.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            erased++;
        }

        return erased;
    }

    /// <summary>
    /// The same person's other ids that the rows of <paramref name="table"/> matching the subject hold in the table's
    /// <see cref="PersonalDataTable.Links"/> columns (a user id found through an email, say).
    /// </summary>
    public async Task<IReadOnlyList<ErasureSubject>> LinkedSubjectsAsync(PersonalDataTable table, ErasureSubjectKind kind, string subject, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.Links is not { Count: > 0 } links)
        {
            return [];
        }

        var linked = new List<ErasureSubject>();
        foreach (var row in await MatchingRowsAsync(clients.Tables.GetTableClient(table.Table), table, kind, subject, cancellationToken).ConfigureAwait(false))
        {
            foreach (var (linkedKind, column) in links)
            {
                var value = column switch
                {
                    "PartitionKey" => PlainId(row.PartitionKey),
                    "RowKey" => PlainId(row.RowKey),
                    _ => row.GetString(column),
                };
                if (!string.IsNullOrWhiteSpace(value))
                {
                    linked.Add(new ErasureSubject(linkedKind, value));
                }
            }
        }

        return linked;
    }

    // Scalekit ids are letters, digits and '_', so their keys are the ids themselves; an escaped key is no such id.
    private static string? PlainId(string key) => key.Contains('~', StringComparison.Ordinal) ? null : key;

    private static async Task<List<TableEntity>> MatchingRowsAsync(TableClient client, PersonalDataTable table, ErasureSubjectKind kind, string subject, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>();
        if (!table.MatchColumns.TryGetValue(kind, out var column))
        {
            return rows;
        }

        if (kind == ErasureSubjectKind.Email && column is not ("PartitionKey" or "RowKey"))
        {
            // Table filters compare case-sensitively, and an address may be stored in any case: compare here instead.
            await foreach (var row in client.QueryAsync<TableEntity>(cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (string.Equals(row.GetString(column), subject, StringComparison.OrdinalIgnoreCase))
                {
                    rows.Add(row);
                }
            }
        }
        else
        {
            var value = column is "PartitionKey" or "RowKey" ? StorageKeys.Key(subject) : subject;
            await foreach (var row in client.QueryAsync<TableEntity>($"{column} eq '{value.Replace("'", "''", StringComparison.Ordinal)}'", cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                rows.Add(row);
            }
        }

        return rows;
    }
}
