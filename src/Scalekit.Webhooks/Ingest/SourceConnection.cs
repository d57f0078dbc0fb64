using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Ingest;

/// <summary>
/// One customer's connection to a source that gives every customer its own address and secret
/// (<c>/api/webhooks/{source}/{connection}</c>): its verifier, or why it is switched off (answered 503, alone).
/// </summary>
public sealed record SourceConnection(string Id, IWebhookVerifier? Verifier, string? Problem)
{
    /// <summary>What is wrong with a verified body for this connection (another customer named, a malformed event), or null.</summary>
    public Func<ReadOnlyMemory<byte>, string?>? ContentProblem { get; init; }

    /// <summary>
    /// For a sender whose deliveries are not in the product's event shape (no <c>id</c> or <c>type</c>, several events in
    /// one body, a ping): reads a verified body into the events to store. When null, the body is one event read by
    /// <see cref="EventMetadata"/> and checked by <see cref="ContentProblem"/>.
    /// </summary>
    public Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask<ConnectionDelivery>>? ReadDelivery { get; init; }
}

/// <summary>One event of a connection's delivery, ready to store: its own payload and the entity it is ordered by.</summary>
/// <param name="ConnectionId">The connection it belongs to (on a shared provider route, the one the body named).</param>
/// <param name="EventId">The event's id within the connection.</param>
/// <param name="EventType">The sender's type name.</param>
/// <param name="OccurredAt">When the sender says it happened, when it says.</param>
/// <param name="EntityKey">The entity (an employee) whose events keep their order.</param>
/// <param name="Payload">What is stored and processed: the delivery's body, or the part of it about this event.</param>
public sealed record ConnectionEvent(string ConnectionId, string EventId, string EventType, DateTimeOffset? OccurredAt, string? EntityKey, ReadOnlyMemory<byte> Payload);

/// <summary>What a verified delivery of a connection holds: events to store, a refusal, or nothing to store (a ping).</summary>
public sealed record ConnectionDelivery
{
    public IReadOnlyList<ConnectionEvent> Events { get; private init; } = [];

    /// <summary>Why the body is refused (400 with the detail), or null.</summary>
    public VerificationResult? Refusal { get; private init; }

    /// <summary>Why no connection takes the body (404), or null.</summary>
    public string? NoConnection { get; private init; }

    /// <summary>A sender's test delivery: answered 200, never stored.</summary>
    public bool IsPing { get; private init; }

    public static ConnectionDelivery Of(IReadOnlyList<ConnectionEvent> events) => new() { Events = events };

    public static ConnectionDelivery Refused(string detail) => new() { Refusal = VerificationResult.Reject(WebhookRejection.InvalidEvent, detail) };

    public static ConnectionDelivery NotBody(VerificationResult failure) => new() { Refusal = failure };

    public static ConnectionDelivery Unmatched(string detail) => new() { NoConnection = detail };

    public static ConnectionDelivery Ping { get; } = new() { IsPing = true };
}

/// <summary>The connections of one source (from its settings, or created at run time); the ingest path finds one by its id.</summary>
public interface ISourceConnections
{
    WebhookSource Source { get; }

    /// <summary>The connection named <paramref name="id"/>, or null when there is none (answered 404).</summary>
    ValueTask<SourceConnection?> FindAsync(string id, CancellationToken cancellationToken = default);
}

/// <summary>
/// The event id a connection's event is stored under: <c>{connection}:{event id}</c>. Two customers' event ids then never
/// collide in the ledger, and the connection travels with the event through queues, dead letters and replays.
/// </summary>
public static class ConnectionEventId
{
    public const char Separator = ':';

    public static string Compose(string connection, string eventId) => connection + Separator + eventId;

    /// <summary>The connection part of <paramref name="eventId"/>, or null when it arrived on a shared route.</summary>
    public static string? ConnectionOf(string eventId)
    {
        ArgumentNullException.ThrowIfNull(eventId);
        var separator = eventId.IndexOf(Separator, StringComparison.Ordinal);
        return separator > 0 ? eventId[..separator] : null;
    }
}
