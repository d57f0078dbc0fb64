using Azure.Data.Tables;

namespace Scalekit.Webhooks.Storage;

/// <summary>
/// The operators' search over a whole table: rows in key order, read a page at a time until enough match or a bounded
/// number of rows was read, so one request never scans an unbounded table; the token resumes where it stopped.
/// </summary>
internal static class TableSearch
{
    public const int DefaultScanLimit = 2000;

    /// <summary>Up to about <paramref name="pageSize"/> rows that <paramref name="match"/> turns into items (null skips a row), and the token to read on.</summary>
    public static async Task<(IReadOnlyList<T> Items, string? Token)> SearchAsync<T>(
        TableClient table, Func<TableEntity, T?> match, int pageSize, string? continuation, int scanLimit, CancellationToken cancellationToken)
        where T : class
    {
        var items = new List<T>();
        var scanned = 0;
        var token = continuation;
        await foreach (var page in table.QueryAsync<TableEntity>(filter: (string?)null, pageSize, cancellationToken: cancellationToken).AsPages(continuation, pageSize).ConfigureAwait(false))
        {
            scanned += page.Values.Count;
            token = page.ContinuationToken;
            items.AddRange(page.Values.Select(match).OfType<T>());
            if (items.Count >= pageSize || scanned >= scanLimit)
            {
                break;
            }
        }

        return (items, token);
    }
}
