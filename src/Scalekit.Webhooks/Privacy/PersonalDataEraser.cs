using Microsoft.Extensions.Logging;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.State;
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
    StateStore readModel,
    DeadLetterStore deadLetterStore,
    IEnumerable<PersonalDataTable> tables,
    EventLedgerMaintenance ledger,
    PayloadStore payloads,
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
            rows += await readModel.ErasePersonalDataAsync(table, kind, subject, cancellationToken).ConfigureAwait(false);
        }

        var ledgerPayloads = 0;
        await foreach (var entry in ledger.PayloadEntriesAsync(null, cancellationToken).ConfigureAwait(false))
        {
            if (await MentionsAsync(entry.Payload, entry.PayloadBlob?.Path, subject, comparison, cancellationToken).ConfigureAwait(false)
                && await ledger.RemovePayloadAsync(entry, "erasure", payloads, cancellationToken).ConfigureAwait(false))
            {
                ledgerPayloads++;
            }
        }

        var deadLetters = await EraseDeadLettersAsync(subject, comparison, cancellationToken).ConfigureAwait(false);
        var result = new ErasureResult(rows, ledgerPayloads, deadLetters);
        Log.Erased(logger, kind, result.ReadModelRows, result.LedgerPayloads, result.DeadLetterMessages);
        return result;
    }

    private async Task<int> EraseDeadLettersAsync(string subject, StringComparison comparison, CancellationToken cancellationToken)
    {
        var erased = 0;
        await foreach (var entry in deadLetterStore.WithMessagesAsync(cancellationToken).ConfigureAwait(false))
        {
            EventEnvelope envelope;
            try
            {
                envelope = EnvelopeCodec.Decode(entry.Message!);
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

            await deadLetterStore.RemoveMessageAsync(entry.Source, entry.EventId, "erasure", cancellationToken).ConfigureAwait(false);
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
