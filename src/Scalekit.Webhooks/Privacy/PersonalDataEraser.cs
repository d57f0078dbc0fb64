using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Privacy;

/// <summary>What an erasure removed, by kind of store. Counts only: it says nothing about the person.</summary>
public sealed record ErasureResult(int ReadModelRows, int LedgerPayloads, int DeadLetterMessages);

/// <summary>
/// Erases one person: the personal columns of every registered read-model row that matches (the row, its ids and its
/// ordering stamp stay, so later events still apply in order), and every stored payload that mentions the subject (ledger
/// payloads and their blobs, dead-letter messages). Queue messages still in flight are not searched.
/// </summary>
public sealed partial class PersonalDataEraser(
    StorageClients clients,
    IEnumerable<PersonalDataTable> tables,
    EventLedger ledger,
    PayloadStore payloads,
    TimeProvider time,
    ILogger<PersonalDataEraser> logger)
{
    private readonly IReadOnlyList<PersonalDataTable> _tables = [.. tables];

    public async Task<ErasureResult> EraseAsync(ErasureSubjectKind kind, string subject, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        var comparison = kind == ErasureSubjectKind.Email ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var rows = 0;
        foreach (var table in _tables)
        {
            if (table.MatchColumns.TryGetValue(kind, out var column))
            {
                rows += await EraseRowsAsync(table, column, kind, subject, cancellationToken).ConfigureAwait(false);
            }
        }

        var ledgerPayloads = 0;
        await foreach (var row in ledger.PayloadRowsAsync(null, cancellationToken).ConfigureAwait(false))
        {
            if (await MentionsAsync(row.GetString("Payload"), row.GetString("PayloadBlob"), subject, comparison, cancellationToken).ConfigureAwait(false)
                && await ledger.RemovePayloadAsync(row.PartitionKey, row.RowKey, "erasure", payloads, cancellationToken).ConfigureAwait(false))
            {
                ledgerPayloads++;
            }
        }

        var deadLetters = await EraseDeadLettersAsync(subject, comparison, cancellationToken).ConfigureAwait(false);
        var result = new ErasureResult(rows, ledgerPayloads, deadLetters);
        Log.Erased(logger, kind, result.ReadModelRows, result.LedgerPayloads, result.DeadLetterMessages);
        return result;
    }

    private async Task<int> EraseRowsAsync(PersonalDataTable table, string column, ErasureSubjectKind kind, string subject, CancellationToken cancellationToken)
    {
        var client = clients.Tables.GetTableClient(table.Table);
        var rows = new List<TableEntity>();
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

        var erased = 0;
        foreach (var row in rows.Where(r => table.PersonalColumns.Any(r.ContainsKey)))
        {
            foreach (var personal in table.PersonalColumns)
            {
                row.Remove(personal);
            }

            row["ErasedAt"] = time.GetUtcNow();
            await client.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            erased++;
        }

        return erased;
    }

    private async Task<int> EraseDeadLettersAsync(string subject, StringComparison comparison, CancellationToken cancellationToken)
    {
        var table = clients.Tables.GetTableClient(StorageNames.DeadLetterTable);
        var erased = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey", "Message"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.GetBinary("Message") is not { } message)
            {
                continue;
            }

            EventEnvelope envelope;
            try
            {
                envelope = EnvelopeCodec.Decode(message);
            }
            catch (FormatException)
            {
                continue;
            }

            var blob = envelope.PayloadBlob is { } reference ? $"{reference.Container}/{reference.BlobName}" : null;
            var inline = envelope.PayloadBlob is null ? System.Text.Encoding.UTF8.GetString(envelope.InlinePayload.Span) : null;
            if (!await MentionsAsync(inline, blob, subject, comparison, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            if (blob is not null)
            {
                await payloads.DeleteAsync(blob, cancellationToken).ConfigureAwait(false);
            }

            var full = (await table.GetEntityAsync<TableEntity>(row.PartitionKey, row.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            full.Remove("Message");
            full["MessageRemovedAt"] = time.GetUtcNow();
            full["MessageRemovedReason"] = "erasure";
            await table.UpdateEntityAsync(full, ETag.All, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            erased++;
        }

        return erased;
    }

    private async Task<bool> MentionsAsync(string? inline, string? blob, string subject, StringComparison comparison, CancellationToken cancellationToken)
    {
        if (inline is not null)
        {
            return PayloadSearch.Mentions(System.Text.Encoding.UTF8.GetBytes(inline), subject, comparison);
        }

        return blob is not null && await payloads.TryReadAsync(blob, cancellationToken).ConfigureAwait(false) is { } content
            && PayloadSearch.Mentions(content.ToMemory().Span, subject, comparison);
    }

    private static partial class Log
    {
        [LoggerMessage(8001, LogLevel.Warning, "Erased personal data by {Kind}: {Rows} read-model rows, {LedgerPayloads} ledger payloads, {DeadLetters} dead-letter messages")]
        public static partial void Erased(ILogger logger, ErasureSubjectKind kind, int rows, int ledgerPayloads, int deadLetters);
    }
}
