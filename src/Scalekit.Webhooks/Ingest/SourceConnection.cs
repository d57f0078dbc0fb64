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
