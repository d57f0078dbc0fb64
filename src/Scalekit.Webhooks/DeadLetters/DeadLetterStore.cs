using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.DeadLetters;

/// <summary>
/// Events parked as permanently failed, one row per (source, event id), with the queue message that carried them so
/// a person can replay them once the cause is fixed. Rows are never deleted: a replayed event that then succeeds is
/// marked resolved.
/// </summary>
public sealed class DeadLetterStore(StorageClients clients, TimeProvider time)
{
    public const string Parked = "parked";
    public const string Replayed = "replayed";
    public const string Resolved = "resolved";

    private TableClient Table => clients.Tables.GetTableClient(StorageNames.DeadLetterTable);

    /// <summary>Parks <paramref name="message"/>; parking the same event again updates its row.</summary>
    public async Task ParkAsync(WebhookSource source, string eventId, string eventType, BinaryData message, string reason, int attempts, int replayCount, DateTimeOffset? firstFailureAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var now = time.GetUtcNow();
        var key = StorageKeys.Key(eventId);
        NullableResponse<TableEntity> existing = await Table.GetEntityIfExistsAsync<TableEntity>(source.Name(), key, cancellationToken: cancellationToken).ConfigureAwait(false);
        var row = new TableEntity(source.Name(), key)
        {
            ["EventId"] = eventId,
            ["EventType"] = eventType,
            ["Status"] = Parked,
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

    public async Task<TableEntity?> FindAsync(WebhookSource source, string eventId, CancellationToken cancellationToken = default)
    {
        NullableResponse<TableEntity> row = await Table.GetEntityIfExistsAsync<TableEntity>(source.Name(), StorageKeys.Key(eventId), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>Sets the status of an entry (replayed, resolved); does nothing when there is no entry.</summary>
    public async Task MarkAsync(WebhookSource source, string eventId, string status, CancellationToken cancellationToken = default)
    {
        var row = new TableEntity(source.Name(), StorageKeys.Key(eventId)) { ["Status"] = status, [status + "At"] = time.GetUtcNow() };
        try
        {
            await Table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Never parked: nothing to mark.
        }
    }

    /// <summary>One page of entries, optionally filtered by source, type and status.</summary>
    public async Task<Page<TableEntity>> ListAsync(string? source, string? eventType, string? status, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        var filters = new List<string>();
        if (source is not null)
        {
            filters.Add(TableClient.CreateQueryFilter($"PartitionKey eq {source}"));
        }

        if (eventType is not null)
        {
            filters.Add(TableClient.CreateQueryFilter($"EventType eq {eventType}"));
        }

        if (status is not null)
        {
            filters.Add(TableClient.CreateQueryFilter($"Status eq {status}"));
        }

        var query = Table.QueryAsync<TableEntity>(filters.Count == 0 ? null : string.Join(" and ", filters), pageSize, cancellationToken: cancellationToken);
        await foreach (var page in query.AsPages(continuation, pageSize).ConfigureAwait(false))
        {
            return page;
        }

        return Page<TableEntity>.FromValues([], null, null!);
    }
}
