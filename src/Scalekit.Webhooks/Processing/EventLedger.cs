using System.Text;
using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Processing;

/// <summary>
/// The event log in Table storage, one row per (source, event id). A consumer claims a row before applying the event
/// (insert, or ETag-checked update), so duplicate deliveries and racing consumers apply each event once; the row keeps
/// status, attempts, last error, times and the raw payload (inline when small, else its blob) for search and replay.
/// </summary>
public sealed class EventLedger(StorageClients clients, TimeProvider time, TimeSpan claimLease)
{
    /// <summary>Table string properties hold 64 KiB (32 K UTF-16 chars); larger payloads are kept by blob reference.</summary>
    public const int MaxInlinePayloadChars = 30_000;

    /// <summary>Setting for how long a claim holds off other consumers (seconds); default 120.</summary>
    public const string ClaimLeaseSetting = "LEDGER_CLAIM_LEASE_SECONDS";

    /// <summary>How long a claim holds off other consumers, longer than any attempt takes; after it a crashed consumer's event can be claimed again.</summary>
    public static readonly TimeSpan DefaultClaimLease = TimeSpan.FromMinutes(2);

    public EventLedger(StorageClients clients, TimeProvider time)
        : this(clients, time, DefaultClaimLease)
    {
    }

    private TableClient Table => clients.Tables.GetTableClient(StorageNames.EventLedgerTable);

    /// <summary>
    /// Claims the event for processing; returns null when it is done already. Throws <see cref="EventInProgressException"/>
    /// while another consumer holds a live claim, so this delivery is retried later rather than dropped: if that
    /// consumer died, its claim runs out and a retry takes over.
    /// </summary>
    public async Task<LedgerClaim?> ClaimAsync(EventEnvelope envelope, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var key = StorageKeys.Key(envelope.EventId);
        while (true)
        {
            // Most events are new, so the insert goes first: one round trip, and a 409 means it is known already.
            var now = time.GetUtcNow();
            try
            {
                var added = await Table.AddEntityAsync(NewRow(envelope, payload, key, now), cancellationToken).ConfigureAwait(false);
                return new LedgerClaim(envelope.Source.Name(), key, added.Headers.ETag ?? ETag.All, 1);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                // Seen before: decide from its row below.
            }

            NullableResponse<TableEntity> current = await Table.GetEntityIfExistsAsync<TableEntity>(envelope.Source.Name(), key, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!current.HasValue)
            {
                continue;
            }

            var existing = current.Value!;
            var status = existing.GetString("Status");
            if (ProcessingStatus.IsFinal(status) && !envelope.Forced)
            {
                return null;
            }

            if (status == ProcessingStatus.Processing && existing.GetDateTimeOffset("LeaseUntil") is { } until && until > now)
            {
                throw new EventInProgressException(envelope.Source, envelope.EventId, until);
            }

            var attempts = (existing.GetInt32("Attempts") ?? 0) + 1;
            existing["Status"] = ProcessingStatus.Processing;
            existing["Attempts"] = attempts;
            existing["LeaseUntil"] = now + claimLease;
            existing["LastAttemptAt"] = now;
            existing["LastDeliveryId"] = envelope.DeliveryId;
            existing["ReplayCount"] = envelope.ReplayCount;
            try
            {
                var updated = await Table.UpdateEntityAsync(existing, existing.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return new LedgerClaim(envelope.Source.Name(), key, updated.Headers.ETag ?? ETag.All, attempts);
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                // Another consumer claimed it first; look again.
            }
        }
    }

    /// <summary>Records the final status of a claimed event.</summary>
    public Task CompleteAsync(LedgerClaim claim, string status, string detail, string? organizationId, string? customerId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var now = time.GetUtcNow();
        var row = new TableEntity(claim.PartitionKey, claim.RowKey)
        {
            ["Status"] = status,
            ["Detail"] = Truncate(detail),
            ["CompletedAt"] = now,
            ["LeaseUntil"] = null,
        };
        if (organizationId is not null)
        {
            row["OrganizationId"] = organizationId;
        }

        if (customerId is not null)
        {
            row["CustomerId"] = customerId;
        }

        return Table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Merge, cancellationToken);
    }

    /// <summary>Records a failed attempt; the queue retries the message.</summary>
    public Task FailAsync(LedgerClaim claim, Exception error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(error);
        var row = new TableEntity(claim.PartitionKey, claim.RowKey)
        {
            ["Status"] = ProcessingStatus.Failed,
            ["LastError"] = Truncate($"{error.GetType().Name}: {error.Message}"),
            ["LastFailedAt"] = time.GetUtcNow(),
            ["LeaseUntil"] = null,
        };
        return Table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Merge, cancellationToken);
    }

    /// <summary>
    /// Gives every Stripe event of <paramref name="customerId"/> still waiting for an organization its final status,
    /// once its customer's state was synced (or the wait ended). Returns how many rows changed.
    /// </summary>
    public async Task<int> ResolveWaitingAsync(string customerId, string status, string detail, CancellationToken cancellationToken = default)
    {
        var changed = 0;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {WebhookSource.Stripe.Name()} and CustomerId eq {customerId} and Status eq {ProcessingStatus.WaitingForOrganization}");
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var update = new TableEntity(row.PartitionKey, row.RowKey) { ["Status"] = status, ["Detail"] = Truncate(detail), ["CompletedAt"] = time.GetUtcNow() };
            try
            {
                await Table.UpdateEntityAsync(update, row.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                changed++;
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                // A consumer is processing that event again right now; it records its own outcome.
            }
        }

        return changed;
    }

    /// <summary>The ledger row of one event, or null.</summary>
    public async Task<TableEntity?> FindAsync(WebhookSource source, string eventId, CancellationToken cancellationToken = default)
    {
        NullableResponse<TableEntity> row = await Table.GetEntityIfExistsAsync<TableEntity>(source.Name(), StorageKeys.Key(eventId), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>
    /// Rows received before <paramref name="before"/>, with only their keys, status and payload columns; the retention
    /// and erasure runs read the ledger with this.
    /// </summary>
    public IAsyncEnumerable<TableEntity> PayloadRowsAsync(DateTimeOffset? before, CancellationToken cancellationToken = default) =>
        Table.QueryAsync<TableEntity>(
            before is { } cutoff ? TableClient.CreateQueryFilter($"ReceivedAt lt {cutoff}") : null,
            select: ["PartitionKey", "RowKey", "Status", "Payload", "PayloadBlob"],
            cancellationToken: cancellationToken);

    /// <summary>
    /// Removes the stored payload of one row (the inline copy, or the blob and its reference), keeping the event's ids,
    /// type, status and times; records when and why. False when the row changed meanwhile (the next run sees it again).
    /// </summary>
    public async Task<bool> RemovePayloadAsync(string partitionKey, string rowKey, string reason, PayloadStore payloads, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        NullableResponse<TableEntity> current = await Table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!current.HasValue)
        {
            return false;
        }

        var row = current.Value!;
        if (row.GetString("PayloadBlob") is { } blob)
        {
            await payloads.DeleteAsync(blob, cancellationToken).ConfigureAwait(false);
        }

        foreach (var column in PayloadColumns)
        {
            row.Remove(column);
        }

        row["PayloadRemovedAt"] = time.GetUtcNow();
        row["PayloadRemovedReason"] = reason;
        try
        {
            await Table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>The columns that hold (or point to) an event's raw payload.</summary>
    public static IReadOnlyList<string> PayloadColumns { get; } = ["Payload", "PayloadBlob", "PayloadLength", "PayloadSha256"];

    private TableEntity NewRow(EventEnvelope envelope, ReadOnlyMemory<byte> payload, string key, DateTimeOffset now)
    {
        var row = new TableEntity(envelope.Source.Name(), key)
        {
            ["EventId"] = envelope.EventId,
            ["EventType"] = envelope.EventType,
            ["Status"] = ProcessingStatus.Processing,
            ["Attempts"] = 1,
            ["LeaseUntil"] = now + claimLease,
            ["LastAttemptAt"] = now,
            ["FirstDeliveryId"] = envelope.DeliveryId,
            ["LastDeliveryId"] = envelope.DeliveryId,
            ["OccurredAt"] = envelope.OccurredAt,
            ["ReceivedAt"] = envelope.ReceivedAt,
            ["ApiVersion"] = envelope.ApiVersion,
            ["ReplayCount"] = envelope.ReplayCount,
        };
        if (envelope.PayloadBlob is { } blob)
        {
            row["PayloadBlob"] = $"{blob.Container}/{blob.BlobName}";
            row["PayloadLength"] = blob.Length;
            row["PayloadSha256"] = blob.Sha256;
        }
        else if (payload.Length <= MaxInlinePayloadChars)
        {
            row["Payload"] = Encoding.UTF8.GetString(payload.Span);
        }

        return row;
    }

    private static string Truncate(string text) => text.Length <= 4000 ? text : text[..4000] + "…";
}

/// <summary>A consumer's hold on one ledger row.</summary>
public sealed record LedgerClaim(string PartitionKey, string RowKey, ETag ETag, int Attempt);

/// <summary>Another consumer is applying the same event right now; the queue retries this delivery later.</summary>
public sealed class EventInProgressException(WebhookSource source, string eventId, DateTimeOffset claimedUntil)
    : Exception($"{source.Name()} event {eventId} is being processed by another consumer (claimed until {claimedUntil:O}); this delivery will be retried.");
