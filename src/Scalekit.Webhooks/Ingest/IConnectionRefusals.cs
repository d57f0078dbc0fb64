namespace Scalekit.Webhooks.Ingest;

/// <summary>
/// Counts the refused deliveries of a source's connections (<see cref="ISourceConnections"/>), by reason, for the
/// operator's view of a connection. The ingest path calls it only when a delivery on an existing connection's route is
/// refused, never on the accepted path; a delivery to an unknown connection id is never recorded.
/// </summary>
public interface IConnectionRefusals
{
    WebhookSource Source { get; }

    /// <summary>Counts one refusal of <paramref name="connectionId"/> with the answer's reason code (<c>invalid_signature</c>, <c>not_configured</c>, …).</summary>
    Task RecordAsync(string connectionId, string reason, CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether <paramref name="connectionId"/> has the shape of one of the source's connection ids or shared routes: a
    /// check in memory, so a throttled flood of made-up ids costs nothing. It may still name no connection.
    /// </summary>
    bool IsKnownShape(string connectionId);

    /// <summary>Adds <paramref name="count"/> deliveries answered 429 by the refusal throttle to an existing connection's figures, in one write.</summary>
    Task RecordThrottledAsync(string connectionId, long count, DateTimeOffset lastThrottledAt, CancellationToken cancellationToken = default);
}
