using Azure.Storage.Queues.Models;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Privacy;

/// <summary>What one step of an erasure removed, by store, and what it could not search.</summary>
public sealed record ErasureStepResult(IReadOnlyDictionary<string, int> Counts, IReadOnlyList<ErasureGap> NotSearched);

/// <summary>
/// Erases one person, one store at a time (<see cref="Steps"/>, each safe to run again): messages still queued or
/// poisoned, the event ledger (payloads and free text), dead letters, every claim-checked blob (referenced or an
/// orphan of a retried delivery), then the personal columns of every registered table (the rows, their ids and
/// ordering stamps stay, so later events still apply in order). Queues come first so that an event in flight meanwhile
/// lands in the ledger, which is searched after them.
/// </summary>
public sealed class PersonalDataEraser(
    StateStore readModel,
    DeadLetterStore deadLetterStore,
    IEnumerable<PersonalDataTable> tables,
    EventLedger ledger,
    EventLedgerQueries ledgerQueries,
    EventLedgerMaintenance ledgerMaintenance,
    PayloadStore payloads,
    StorageClients clients)
{
    public const string QueuesStep = "queues";
    public const string LedgerStep = "event_ledger";
    public const string DeadLettersStep = "dead_letters";
    public const string BlobsStep = "payload_blobs";

    /// <summary>At most this many ids of one person are followed (an email, its user ids, directory user ids …).</summary>
    public const int MaxSubjects = 50;

    /// <summary>How long a scanned queue message stays hidden while its queue is searched; it is shown again right after.</summary>
    private static readonly TimeSpan ScanVisibility = TimeSpan.FromMinutes(5);

    private readonly IReadOnlyList<PersonalDataTable> _tables = [.. tables];

    /// <summary>Every step in the order it runs: the fixed stores, then each registered table by name.</summary>
    public IReadOnlyList<string> Steps => [QueuesStep, LedgerStep, DeadLettersStep, BlobsStep, .. _tables.Select(table => table.Table).Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// The subject and every id of the same person the registered tables link to it (a user id found by email, the
    /// email of a user id …), followed until nothing new turns up. Reads only: run it before anything is erased.
    /// </summary>
    public async Task<IReadOnlyList<ErasureSubject>> FindSubjectsAsync(ErasureSubject subject, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var found = new List<ErasureSubject> { subject };
        for (var next = 0; next < found.Count && found.Count < MaxSubjects; next++)
        {
            foreach (var table in _tables)
            {
                foreach (var linked in await readModel.LinkedSubjectsAsync(table, found[next].Kind, found[next].Value, cancellationToken).ConfigureAwait(false))
                {
                    if (found.Count < MaxSubjects && !found.Any(known => known.Kind == linked.Kind && string.Equals(known.Value, linked.Value, known.Comparison)))
                    {
                        found.Add(linked);
                    }
                }
            }
        }

        return found;
    }

    /// <summary>Runs one step (a name from <see cref="Steps"/>) for <paramref name="subjects"/>.</summary>
    public Task<ErasureStepResult> RunStepAsync(string step, IReadOnlyList<ErasureSubject> subjects, string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        return step switch
        {
            QueuesStep => EraseQueuesAsync(subjects, jobId, cancellationToken),
            LedgerStep => EraseLedgerAsync(subjects, cancellationToken),
            DeadLettersStep => EraseDeadLettersAsync(subjects, cancellationToken),
            BlobsStep => EraseBlobsAsync(subjects, cancellationToken),
            _ => EraseTableAsync(_tables.FirstOrDefault(table => table.Table == step) ?? throw new ArgumentOutOfRangeException(nameof(step), step, "No such erasure step."), subjects, cancellationToken),
        };
    }

    private async Task<ErasureStepResult> EraseTableAsync(PersonalDataTable table, IReadOnlyList<ErasureSubject> subjects, CancellationToken cancellationToken)
    {
        var rows = 0;
        foreach (var subject in subjects)
        {
            rows += await readModel.ErasePersonalDataAsync(table, subject.Kind, subject.Value, cancellationToken).ConfigureAwait(false);
        }

        return new ErasureStepResult(new Dictionary<string, int> { [table.Table] = rows }, []);
    }

    private async Task<ErasureStepResult> EraseLedgerAsync(IReadOnlyList<ErasureSubject> subjects, CancellationToken cancellationToken)
    {
        var text = new SubjectText(subjects);
        int removed = 0, redacted = 0;
        await foreach (var entry in ledgerMaintenance.PayloadEntriesAsync(null, cancellationToken).ConfigureAwait(false))
        {
            if (await MentionsAsync(entry.Payload, entry.PayloadBlob is { } blob ? $"{blob.Container}/{blob.BlobName}" : null, subjects, cancellationToken).ConfigureAwait(false)
                && await ledgerMaintenance.RemovePayloadAsync(entry, "erasure", payloads, cancellationToken).ConfigureAwait(false))
            {
                removed++;
            }

            if ((Changes(entry.Detail, text) || Changes(entry.LastError, text))
                && await ledgerMaintenance.RedactTextAsync(entry, text.Redact, cancellationToken).ConfigureAwait(false))
            {
                redacted++;
            }
        }

        return new ErasureStepResult(new Dictionary<string, int> { ["event_ledger_payloads"] = removed, ["event_ledger_text"] = redacted }, []);
    }

    private async Task<ErasureStepResult> EraseDeadLettersAsync(IReadOnlyList<ErasureSubject> subjects, CancellationToken cancellationToken)
    {
        var text = new SubjectText(subjects);
        int messages = 0, reasons = 0;
        await foreach (var entry in deadLetterStore.AllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (entry.Message is { } message && await MessageMentionsAsync(message, subjects, cancellationToken).ConfigureAwait(false) is { Mentions: true } found)
            {
                if (found.Blob is not null)
                {
                    await payloads.DeleteAsync(found.Blob, cancellationToken).ConfigureAwait(false);
                }

                await deadLetterStore.RemoveMessageAsync(entry.Source, entry.EventId, "erasure", cancellationToken).ConfigureAwait(false);
                messages++;
            }

            if (Changes(entry.Reason, text) && await deadLetterStore.RedactReasonAsync(entry.Source, entry.EventId, text.Redact, cancellationToken).ConfigureAwait(false))
            {
                reasons++;
            }
        }

        return new ErasureStepResult(new Dictionary<string, int> { ["dead_letter_messages"] = messages, ["dead_letter_reasons"] = reasons }, []);
    }

    /// <summary>Every claim-checked body, read and searched: orphans of retried deliveries are found by their content, not through the ledger.</summary>
    private async Task<ErasureStepResult> EraseBlobsAsync(IReadOnlyList<ErasureSubject> subjects, CancellationToken cancellationToken)
    {
        var deleted = 0;
        await foreach (var name in payloads.AllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await MentionsAsync(null, name, subjects, cancellationToken).ConfigureAwait(false) && await payloads.DeleteAsync(name, cancellationToken).ConfigureAwait(false))
            {
                deleted++;
            }
        }

        return new ErasureStepResult(new Dictionary<string, int> { ["payload_blobs"] = deleted }, []);
    }

    /// <summary>
    /// Every message waiting in an event or work queue or its poison queue. One that mentions the person is removed; an
    /// event's is first recorded in the ledger as parked (not applied, payload erased), so no event vanishes unrecorded.
    /// </summary>
    private async Task<ErasureStepResult> EraseQueuesAsync(IReadOnlyList<ErasureSubject> subjects, string jobId, CancellationToken cancellationToken)
    {
        var removed = 0;
        var gaps = new List<ErasureGap>();
        foreach (var name in StorageNames.AllQueues.Where(queue => !queue.StartsWith(StorageNames.ErasureQueue, StringComparison.Ordinal)))
        {
            var queue = clients.Queue(name);
            QueueProperties properties = await queue.GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
            if (properties.ApproximateMessagesCount == 0)
            {
                continue;
            }

            var seen = 0;
            var kept = new List<QueueMessage>();
            try
            {
                while (true)
                {
                    QueueMessage[] batch = await queue.ReceiveMessagesAsync(32, ScanVisibility, cancellationToken).ConfigureAwait(false);
                    if (batch.Length == 0)
                    {
                        break;
                    }

                    foreach (var message in batch)
                    {
                        seen++;
                        if (await MessageMentionsAsync(message.Body, subjects, cancellationToken).ConfigureAwait(false) is not { Mentions: true } found)
                        {
                            kept.Add(message);
                            continue;
                        }

                        if (found.Envelope is { } envelope)
                        {
                            await RecordErasedEventAsync(envelope, jobId, cancellationToken).ConfigureAwait(false);
                        }

                        if (found.Blob is not null)
                        {
                            await payloads.DeleteAsync(found.Blob, cancellationToken).ConfigureAwait(false);
                        }

                        await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
                        removed++;
                    }
                }
            }
            finally
            {
                foreach (var message in kept)
                {
                    await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: CancellationToken.None).ConfigureAwait(false);
                }
            }

            if (properties.ApproximateMessagesCount > seen)
            {
                gaps.Add(new ErasureGap($"queue {name}", $"{properties.ApproximateMessagesCount - seen} message(s) were hidden (being processed, or waiting for a delayed retry) and could not be read; run the erasure again once the queue has drained"));
            }
        }

        return new ErasureStepResult(new Dictionary<string, int> { ["queue_messages"] = removed }, gaps);
    }

    private async Task RecordErasedEventAsync(EventEnvelope envelope, string jobId, CancellationToken cancellationToken)
    {
        var stripped = envelope with { InlinePayload = default, PayloadBlob = null };
        await ledger.RecordSeenAsync(stripped, ReadOnlyMemory<byte>.Empty, ProcessingOutcome.Parked($"not applied: its payload was erased while it was queued (erasure job {jobId})"),
            cancellationToken).ConfigureAwait(false);
        if (await ledgerQueries.FindAsync(envelope.Source, envelope.EventId, cancellationToken).ConfigureAwait(false) is { } entry && entry.PayloadRemovedAt is null)
        {
            await ledgerMaintenance.RemovePayloadAsync(entry, "erasure", payloads, cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed record MessageMatch(bool Mentions, EventEnvelope? Envelope, string? Blob);

    /// <summary>Whether a queued or parked message mentions a subject: an event's body (inline or claim-checked), or a work message's JSON.</summary>
    private async Task<MessageMatch> MessageMentionsAsync(BinaryData message, IReadOnlyList<ErasureSubject> subjects, CancellationToken cancellationToken)
    {
        EventEnvelope envelope;
        try
        {
            envelope = EnvelopeCodec.Decode(message.ToMemory());
        }
        catch (FormatException)
        {
            return new MessageMatch(PayloadSearch.MentionsAny(message.ToMemory().Span, subjects), null, null);
        }

        var blob = envelope.PayloadBlob is { } reference ? $"{reference.Container}/{reference.BlobName}" : null;
        var inline = blob is null ? System.Text.Encoding.UTF8.GetString(envelope.InlinePayload.Span) : null;
        return new MessageMatch(await MentionsAsync(inline, blob, subjects, cancellationToken).ConfigureAwait(false), envelope, blob);
    }

    private async Task<bool> MentionsAsync(string? inline, string? blob, IReadOnlyList<ErasureSubject> subjects, CancellationToken cancellationToken)
    {
        if (inline is not null)
        {
            return PayloadSearch.MentionsAny(System.Text.Encoding.UTF8.GetBytes(inline), subjects);
        }

        return blob is not null && await payloads.TryReadAsync(blob, cancellationToken).ConfigureAwait(false) is { } content
            && PayloadSearch.MentionsAny(content.ToMemory().Span, subjects);
    }

    private static bool Changes(string? text, SubjectText subjects) => text is not null && !ReferenceEquals(subjects.Redact(text), text);
}
