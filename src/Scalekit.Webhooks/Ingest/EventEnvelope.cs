namespace Scalekit.Webhooks.Ingest;

/// <summary>
/// What travels in a queue message: everything a consumer needs, because a poison move copies only the message body.
/// The raw event body is either inline (<see cref="InlinePayload"/>) or in blob storage (<see cref="PayloadBlob"/>, the claim check).
/// </summary>
public sealed record EventEnvelope
{
    public const int CurrentVersion = 1;

    public required WebhookSource Source { get; init; }

    /// <summary>The sender's delivery id: <c>webhook-id</c> for Scalekit; generated for Stripe, which sends none.</summary>
    public required string DeliveryId { get; init; }

    /// <summary><c>webhook</c>, or <c>recovered</c> for an event listed from the sender's API (<see cref="EventDelivery"/>).</summary>
    public string Delivery => EventDelivery.Of(DeliveryId);

    public required string EventId { get; init; }

    public required string EventType { get; init; }

    /// <summary>When the sender says the event happened (Scalekit <c>occurred_at</c>, Stripe <c>created</c>).</summary>
    public DateTimeOffset? OccurredAt { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Stripe's <c>api_version</c> of the event; null for Scalekit.</summary>
    public string? ApiVersion { get; init; }

    /// <summary>How many times the dead-letter replayer has sent this message back.</summary>
    public int ReplayCount { get; init; }

    /// <summary>An operator asked to apply this event again even though the ledger says it is done.</summary>
    public bool Forced { get; init; }

    /// <summary>
    /// The entity (organization, customer, employee) the event belongs to, which picks its queue shard; kept in the
    /// envelope so a claim-checked event returns to the same shard. Null: read from the payload, else the event id.
    /// </summary>
    public string? ShardKey { get; init; }

    /// <summary>The raw body exactly as received, when it fits in the message.</summary>
    public ReadOnlyMemory<byte> InlinePayload { get; init; }

    /// <summary>The blob holding the raw body when it did not fit in the message.</summary>
    public PayloadReference? PayloadBlob { get; init; }
}

/// <summary>Where a claim-checked body is, and how to know it arrived intact.</summary>
public sealed record PayloadReference(string Container, string BlobName, long Length, string Sha256)
{
    /// <summary><c>container/blob name</c>, as <see cref="Storage.PayloadStore"/> takes it.</summary>
    public string Path => $"{Container}/{BlobName}";
}
