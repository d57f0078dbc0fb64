using System.Text;
using Azure.Data.Tables;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Processing;

/// <summary>
/// The event ledger's row codec: its columns, the row of a newly seen event, how an outcome or a failure is written
/// onto a row, and how a row reads as a <see cref="LedgerEntry"/>. Nothing outside the ledger's classes names a column.
/// </summary>
internal static class EventLedgerCodec
{
    public static bool IsFinal(TableEntity row) => ProcessingStatusNames.Parse(row.GetString(Columns.Status)).IsFinal();

    public static TableEntity NewRow(EventEnvelope envelope, ReadOnlyMemory<byte> payload, string partition, string key, DateTimeOffset now)
    {
        var row = new TableEntity(partition, key)
        {
            [Columns.Source] = envelope.Source.Name,
            [Columns.EventId] = envelope.EventId,
            [Columns.EventType] = envelope.EventType,
            [Columns.Status] = ProcessingStatus.Processing.Name(),
            [Columns.Attempts] = 1,
            [Columns.LastAttemptAt] = now,
            [Columns.FirstDeliveryId] = envelope.DeliveryId,
            [Columns.LastDeliveryId] = envelope.DeliveryId,
            [Columns.OccurredAt] = envelope.OccurredAt,
            [Columns.ReceivedAt] = envelope.ReceivedAt,
            [Columns.ApiVersion] = envelope.ApiVersion,
            [Columns.ReplayCount] = envelope.ReplayCount,
        };
        if (envelope.PayloadBlob is { } blob)
        {
            row[Columns.PayloadBlob] = $"{blob.Container}/{blob.BlobName}";
            row[Columns.PayloadLength] = blob.Length;
            row[Columns.PayloadSha256] = blob.Sha256;
        }
        else if (payload.Length <= EventLedger.MaxInlinePayloadChars)
        {
            row[Columns.Payload] = Encoding.UTF8.GetString(payload.Span);
        }

        return row;
    }

    public static TableEntity Outcome(TableEntity row, ProcessingOutcome outcome, DateTimeOffset now)
    {
        row[Columns.Status] = outcome.Status.Name();
        row[Columns.Detail] = Truncate(outcome.Detail);
        row[Columns.CompletedAt] = now;
        row.Remove(Columns.LeaseUntil);
        if (outcome.OrganizationId is { } organizationId)
        {
            row[Columns.OrganizationId] = organizationId;
        }

        if (outcome.CustomerId is { } customerId)
        {
            row[Columns.CustomerId] = customerId;
        }

        return row;
    }

    public static TableEntity Failure(TableEntity row, Exception error, DateTimeOffset now)
    {
        row[Columns.Status] = ProcessingStatus.Failed.Name();
        row[Columns.LastError] = Truncate($"{error.GetType().Name}: {error.Message}");
        row[Columns.LastFailedAt] = now;
        row.Remove(Columns.LeaseUntil);
        return row;
    }

    /// <summary>
    /// At most what a row weighs in a transaction's body: its strings as JSON text (an escaped character, such as a quote
    /// or any non-ASCII one, takes six bytes), and room for the rest.
    /// </summary>
    public static long ApproximateBytes(TableEntity row) => 2048 + row.Select(column => column.Value).OfType<string>().Sum(text => (long)text.Length * 6);

    public static LedgerEntry Entry(TableEntity row)
    {
        var statusName = row.GetString(Columns.Status);
        return new LedgerEntry(row.GetString(Columns.Source) ?? SourceOf(row.PartitionKey), row.GetString(Columns.EventId) ?? row.RowKey)
        {
            Partition = row.PartitionKey,
            EventType = row.GetString(Columns.EventType),
            Status = ProcessingStatusNames.Parse(statusName),
            StatusName = statusName,
            Attempts = row.GetInt32(Columns.Attempts) ?? 0,
            ReplayCount = row.GetInt32(Columns.ReplayCount) ?? 0,
            Detail = row.GetString(Columns.Detail),
            LastError = row.GetString(Columns.LastError),
            OrganizationId = row.GetString(Columns.OrganizationId),
            CustomerId = row.GetString(Columns.CustomerId),
            FirstDeliveryId = row.GetString(Columns.FirstDeliveryId),
            LastDeliveryId = row.GetString(Columns.LastDeliveryId),
            ApiVersion = row.GetString(Columns.ApiVersion),
            OccurredAt = row.GetDateTimeOffset(Columns.OccurredAt),
            ReceivedAt = row.GetDateTimeOffset(Columns.ReceivedAt),
            LastAttemptAt = row.GetDateTimeOffset(Columns.LastAttemptAt),
            LeaseUntil = row.GetDateTimeOffset(Columns.LeaseUntil),
            CompletedAt = row.GetDateTimeOffset(Columns.CompletedAt),
            LastFailedAt = row.GetDateTimeOffset(Columns.LastFailedAt),
            Payload = row.GetString(Columns.Payload),
            PayloadBlob = row.GetString(Columns.PayloadBlob) is { } blob && blob.IndexOf('/', StringComparison.Ordinal) is var slash and > 0
                ? new PayloadReference(blob[..slash], blob[(slash + 1)..], row.GetInt64(Columns.PayloadLength) ?? 0, row.GetString(Columns.PayloadSha256) ?? string.Empty)
                : null,
            PayloadRemovedAt = row.GetDateTimeOffset(Columns.PayloadRemovedAt),
            PayloadRemovedReason = row.GetString(Columns.PayloadRemovedReason),
        };
    }

    /// <summary>The source of a partition: <c>scalekit-07</c> (or, before the migration, <c>scalekit</c>).</summary>
    private static string SourceOf(string partition) =>
        partition.Length > 3 && partition[^3] == '-' && char.IsAsciiDigit(partition[^2]) && char.IsAsciiDigit(partition[^1]) ? partition[..^3] : partition;

    public static string Truncate(string text) => text.Length <= 4000 ? text : text[..4000] + "…";

    /// <summary>The ledger's columns; nothing outside the ledger's classes names them.</summary>
    public static class Columns
    {
        public const string PartitionKey = "PartitionKey";
        public const string RowKey = "RowKey";
        public const string Source = "Source";
        public const string EventId = "EventId";
        public const string EventType = "EventType";
        public const string Status = "Status";
        public const string Attempts = "Attempts";
        public const string LeaseUntil = "LeaseUntil";
        public const string LastAttemptAt = "LastAttemptAt";
        public const string FirstDeliveryId = "FirstDeliveryId";
        public const string LastDeliveryId = "LastDeliveryId";
        public const string OccurredAt = "OccurredAt";
        public const string ReceivedAt = "ReceivedAt";
        public const string ApiVersion = "ApiVersion";
        public const string ReplayCount = "ReplayCount";
        public const string Detail = "Detail";
        public const string CompletedAt = "CompletedAt";
        public const string OrganizationId = "OrganizationId";
        public const string CustomerId = "CustomerId";
        public const string LastError = "LastError";
        public const string LastFailedAt = "LastFailedAt";
        public const string Payload = "Payload";
        public const string PayloadBlob = "PayloadBlob";
        public const string PayloadLength = "PayloadLength";
        public const string PayloadSha256 = "PayloadSha256";
        public const string PayloadRemovedAt = "PayloadRemovedAt";
        public const string PayloadRemovedReason = "PayloadRemovedReason";
    }
}
