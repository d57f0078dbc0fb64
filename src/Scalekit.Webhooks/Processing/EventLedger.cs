using System.Text;
using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Processing;

/// <summary>
/// The event log in Table storage, one row per (source, event id): what arrived, when, how often, and its raw payload
/// (inline when small, else the claim-check blob), so an operator can find and replay any event.
/// </summary>
public sealed class EventLedger(StorageClients clients)
{
    /// <summary>Table string properties hold 64 KiB (32 K UTF-16 chars); larger payloads are kept by blob reference.</summary>
    private const int MaxInlinePayloadChars = 30_000;

    private TableClient Table => clients.Tables.GetTableClient(StorageNames.EventLedgerTable);

    /// <summary>Records that <paramref name="envelope"/> was dequeued; a repeated delivery updates the same row.</summary>
    public async Task RecordReceivedAsync(EventEnvelope envelope, ReadOnlyMemory<byte> payload, TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(time);
        var entity = new TableEntity(envelope.Source.Name(), envelope.EventId)
        {
            ["EventType"] = envelope.EventType,
            ["LastDeliveryId"] = envelope.DeliveryId,
            ["OccurredAt"] = envelope.OccurredAt,
            ["ReceivedAt"] = envelope.ReceivedAt,
            ["DequeuedAt"] = time.GetUtcNow(),
            ["ApiVersion"] = envelope.ApiVersion,
            ["Status"] = "received",
        };
        if (envelope.PayloadBlob is { } blob)
        {
            entity["PayloadBlob"] = $"{blob.Container}/{blob.BlobName}";
        }
        else if (payload.Length <= MaxInlinePayloadChars)
        {
            entity["Payload"] = Encoding.UTF8.GetString(payload.Span);
        }

        await Table.UpsertEntityAsync(entity, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The ledger row of one event, or null.</summary>
    public async Task<TableEntity?> FindAsync(WebhookSource source, string eventId, CancellationToken cancellationToken = default)
    {
        NullableResponse<TableEntity> row = await Table.GetEntityIfExistsAsync<TableEntity>(source.Name(), eventId, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value : null;
    }
}
