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
}
