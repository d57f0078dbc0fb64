namespace Scalekit.Webhooks.Ingest;

/// <summary>
/// How an event reached the pipeline: as a webhook delivery, or recovered from the sender's event list after it was
/// missed (Stripe's <c>GET /v1/events</c>). A recovered event's delivery id starts with <see cref="RecoveredIdPrefix"/>,
/// so the envelope and the ledger (its first delivery id) both tell it without a field of their own.
/// </summary>
public static class EventDelivery
{
    public const string Webhook = "webhook";
    public const string Recovered = "recovered";

    /// <summary>The start of a recovered event's delivery id (a webhook delivery's is the sender's id or <c>dlv_</c>).</summary>
    public const string RecoveredIdPrefix = "rcv_";

    /// <summary>A new delivery id for an event recovered now.</summary>
    public static string NewRecoveredId() => RecoveredIdPrefix + Guid.NewGuid().ToString("N");

    /// <summary><see cref="Recovered"/> or <see cref="Webhook"/>, from the delivery id the event first came with.</summary>
    public static string Of(string? deliveryId) =>
        deliveryId is not null && deliveryId.StartsWith(RecoveredIdPrefix, StringComparison.Ordinal) ? Recovered : Webhook;
}
