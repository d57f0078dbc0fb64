using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.DeadLetters;

/// <summary>
/// Events parked as permanently failed, one row per (source, event id) in the source's partition, with the queue
/// message that carried them so a person can replay them once the cause is fixed. Rows are kept until retention: a
/// replayed event that then succeeds is marked resolved. The only code that knows the dead-letter table.
/// </summary>
public sealed class DeadLetterStore(StorageClients clients, TimeProvider time)
{
    private static readonly string[] Summary =
        ["PartitionKey", "RowKey", "EventId", "EventType", "Status", "Reason", "Attempts", "ReplayCount", "TimesParked", "FirstFailureAt", "LastFailureAt", "ParkedAt", "ReplayedAt", "ResolvedAt", "replayedAt", "resolvedAt", "MessageRemovedAt"];

    private TableClient? _table;

    private TableClient Table => _table ??= clients.Tables.GetTableClient(StorageNames.DeadLetterTable);

    /// <summary>Parks the message; parking the same event again updates its row.</summary>
    public async Task ParkAsync(DeadLetterParking parking, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parking);
        ArgumentNullException.ThrowIfNull(parking.Message);
        var (source, eventId, eventType, message, reason, attempts, replayCount, firstFailureAt) = parking;
        var now = time.GetUtcNow();
        var key = StorageKeys.Key(eventId);
        NullableResponse<TableEntity> existing = await Table.GetEntityIfExistsAsync<TableEntity>(source.Name, key, cancellationToken: cancellationToken).ConfigureAwait(false);
        var row = new TableEntity(source.Name, key)
        {
            ["EventId"] = eventId,
            ["EventType"] = eventType,
            ["Status"] = DeadLetterStatus.Parked.Name(),
            ["Reason"] = reason.Length <= 4000 ? reason : reason[..4000],
            ["Attempts"] = attempts,
            ["ReplayCount"] = replayCount,
            ["FirstFailureAt"] = existing.HasValue ? existing.Value!.GetDateTimeOffset("FirstFailureAt") ?? firstFailureAt ?? now : firstFailureAt ?? now,
            ["LastFailureAt"] = now,
            ["ParkedAt"] = now,
            ["TimesParked"] = (existing.HasValue ? existing.Value!.GetInt32("TimesParked") ?? 0 : 0) + 1,
            // A queue message is at most 48 KiB before base64, within a table binary property's 64 KiB.
            ["Message"] = message.ToArray(),
        };
        await Table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task<DeadLetter?> FindAsync(WebhookSource source, string eventId, CancellationToken cancellationToken = default)
    {
        NullableResponse<TableEntity> row = await Table.GetEntityIfExistsAsync<TableEntity>(source.Name, StorageKeys.Key(eventId), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? From(row.Value!) : null;
    }

    /// <summary>Sets the status of an entry (replayed, resolved); does nothing when there is no entry.</summary>
    public async Task MarkAsync(WebhookSource source, string eventId, DeadLetterStatus status, CancellationToken cancellationToken = default)
    {
        var row = new TableEntity(source.Name, StorageKeys.Key(eventId)) { ["Status"] = status.Name(), [status + "At"] = time.GetUtcNow() };
        // Columns are ParkedAt, ReplayedAt, ResolvedAt; builds before the typed store wrote "replayedAt" and "resolvedAt".
        try
        {
            await Table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Never parked: nothing to mark.
        }
    }

    /// <summary>
    /// One page of entries (without their messages), optionally filtered by source, type and status. Each source is
    /// its own partition: without a source the pages walk the sources' partitions one after another.
    /// </summary>
    public async Task<RecordPage<DeadLetter>> ListAsync(WebhookSource? source, string? eventType, DeadLetterStatus? status, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        WebhookSource[] sources = source is { } only ? [only] : [.. EventSources.Sources];
        var (index, inner) = ReadToken(continuation, sources);
        for (; index < sources.Length; index++, inner = null)
        {
            var filter = Filter(sources[index], eventType, status);
            while (await FirstPageAsync(Table.QueryAsync<TableEntity>(filter, pageSize, Summary, cancellationToken).AsPages(inner, pageSize)).ConfigureAwait(false) is { } page)
            {
                var next = page.ContinuationToken is { } token ? $"{sources[index].Name}|{token}"
                    : index + 1 < sources.Length ? $"{sources[index + 1].Name}|" : null;
                if (page.Values.Count > 0 || next is null)
                {
                    return new RecordPage<DeadLetter>([.. page.Values.Select(From).OfType<DeadLetter>()], next);
                }

                // An empty page: read on in this partition, or go to the next source's.
                if ((inner = page.ContinuationToken) is null)
                {
                    break;
                }
            }
        }

        return new RecordPage<DeadLetter>([], null);
    }

    /// <summary>Entries parked now or parked since <paramref name="since"/> (without messages), read source by source.</summary>
    public async IAsyncEnumerable<DeadLetter> ParkedOrSinceAsync(DateTimeOffset since, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var source in EventSources.Sources)
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {source.Name} and (Status eq {DeadLetterStatus.Parked.Name()} or ParkedAt ge {since})");
            await foreach (var row in Table.QueryAsync<TableEntity>(filter, select: Summary, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (From(row) is { } entry)
                {
                    yield return entry;
                }
            }
        }
    }

    /// <summary>Resolved entries whose resolution is older than <paramref name="cutoff"/>, with their messages.</summary>
    public async IAsyncEnumerable<DeadLetter> ResolvedBeforeAsync(DateTimeOffset cutoff, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var source in EventSources.Sources)
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {source.Name} and Status eq {DeadLetterStatus.Resolved.Name()} and (ResolvedAt lt {cutoff} or resolvedAt lt {cutoff})");
            await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (From(row) is { } entry)
                {
                    yield return entry;
                }
            }
        }
    }

    /// <summary>Every entry that still holds its message.</summary>
    public async IAsyncEnumerable<DeadLetter> WithMessagesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var source in EventSources.Sources)
        {
            await foreach (var row in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {source.Name}"), cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (From(row) is { Message: not null } entry)
                {
                    yield return entry;
                }
            }
        }
    }

    /// <summary>Every entry of every source.</summary>
    public async IAsyncEnumerable<DeadLetter> AllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var source in EventSources.Sources)
        {
            await foreach (var row in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {source.Name}"), cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (From(row) is { } entry)
                {
                    yield return entry;
                }
            }
        }
    }

    /// <summary>Rewrites an entry's reason through <paramref name="redact"/>; false when it did not change or the entry is gone.</summary>
    public async Task<bool> RedactReasonAsync(WebhookSource source, string eventId, Func<string, string> redact, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(redact);
        NullableResponse<TableEntity> current = await Table.GetEntityIfExistsAsync<TableEntity>(source.Name, StorageKeys.Key(eventId), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!current.HasValue || current.Value!.GetString("Reason") is not { } reason || ReferenceEquals(redact(reason), reason))
        {
            return false;
        }

        var row = new TableEntity(source.Name, StorageKeys.Key(eventId)) { ["Reason"] = redact(reason) };
        await Table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Removes an entry; false when it was gone already.</summary>
    public async Task<bool> DeleteAsync(WebhookSource source, string eventId, CancellationToken cancellationToken = default)
    {
        try
        {
            await Table.DeleteEntityAsync(source.Name, StorageKeys.Key(eventId), ETag.All, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    /// <summary>Drops the entry's message (the event can no longer be replayed) and records when and why.</summary>
    public async Task RemoveMessageAsync(WebhookSource source, string eventId, string reason, CancellationToken cancellationToken = default)
    {
        var full = (await Table.GetEntityAsync<TableEntity>(source.Name, StorageKeys.Key(eventId), cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        full.Remove("Message");
        full["MessageRemovedAt"] = time.GetUtcNow();
        full["MessageRemovedReason"] = reason;
        await Table.UpdateEntityAsync(full, ETag.All, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Page<TableEntity>?> FirstPageAsync(IAsyncEnumerable<Page<TableEntity>> pages)
    {
        await foreach (var page in pages.ConfigureAwait(false))
        {
            return page;
        }

        return null;
    }

    private static string Filter(WebhookSource source, string? eventType, DeadLetterStatus? status)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {source.Name}");
        if (eventType is not null)
        {
            filter += " and " + TableClient.CreateQueryFilter($"EventType eq {eventType}");
        }

        if (status is { } value)
        {
            filter += " and " + TableClient.CreateQueryFilter($"Status eq {value.Name()}");
        }

        return filter;
    }

    /// <summary>A listing token is <c>{source}|{that partition's token}</c>; an unreadable one starts over.</summary>
    private static (int Index, string? Inner) ReadToken(string? continuation, WebhookSource[] sources)
    {
        if (continuation?.IndexOf('|', StringComparison.Ordinal) is not (> 0 and var bar)
            || !EventSources.TryParse(continuation[..bar], out var source) || Array.IndexOf(sources, source) is not (>= 0 and var index))
        {
            return (0, null);
        }

        var inner = continuation[(bar + 1)..];
        return (index, inner.Length == 0 ? null : inner);
    }

    private static DeadLetter? From(TableEntity row)
    {
        if (!EventSources.TryParse(row.PartitionKey, out var source))
        {
            return null;
        }

        return new DeadLetter(
            source,
            row.GetString("EventId") ?? row.RowKey,
            row.GetString("EventType") ?? "unknown",
            DeadLetterStatuses.TryParse(row.GetString("Status"), out var status) ? status : DeadLetterStatus.Parked,
            row.GetString("Reason") ?? string.Empty,
            row.GetInt32("Attempts") ?? 0,
            row.GetInt32("ReplayCount") ?? 0,
            row.GetInt32("TimesParked") ?? 0,
            row.GetDateTimeOffset("FirstFailureAt"),
            row.GetDateTimeOffset("LastFailureAt"),
            row.GetDateTimeOffset("ParkedAt"),
            row.GetDateTimeOffset("ReplayedAt") ?? row.GetDateTimeOffset("replayedAt"),
            row.GetDateTimeOffset("ResolvedAt") ?? row.GetDateTimeOffset("resolvedAt"),
            row.GetDateTimeOffset("MessageRemovedAt"),
            row.GetBinary("Message") is { } message ? BinaryData.FromBytes(message) : null);
    }
}
