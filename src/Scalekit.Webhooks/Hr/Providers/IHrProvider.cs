using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Hr.Providers;

/// <summary>
/// One HR system: how its deliveries are verified and split into events at ingest, and how a stored event becomes the
/// lifecycle's <see cref="HrEvent"/> at processing time (completed from the system's API when the event is thin).
/// <see cref="HrConnections"/> picks one by <see cref="HrConnection.Provider"/>.
/// </summary>
public interface IHrProvider
{
    HrProvider Provider { get; }

    /// <summary>The ingest side of an enabled connection: its verifier and how a verified body is read.</summary>
    SourceConnection Ingest(HrConnection connection, TimeSpan tolerance);

    /// <summary>
    /// Reads one stored event of <paramref name="connection"/>. Expected failures (no permission, a malformed event)
    /// come back as values; an unreachable or throttling API throws <see cref="HrProviderApiException"/> for the queue to retry.
    /// </summary>
    Task<HrProviderRead> ReadAsync(HrConnection connection, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default);
}

/// <summary>A provider that posts every customer's deliveries to one address and names the customer in the body (Merge).</summary>
public interface ISharedRouteHrProvider : IHrProvider
{
    /// <summary>The reserved connection id of its address, <c>/api/webhooks/hr/{RouteId}</c>.</summary>
    string RouteId { get; }

    /// <summary>The ingest side of the shared address, choosing among <paramref name="connections"/> (all of this provider's).</summary>
    SourceConnection SharedIngest(IReadOnlyList<HrConnection> connections, TimeSpan tolerance);
}

/// <summary>What a stored event says, once read: a lifecycle event, or why it is parked or ignored.</summary>
public sealed record HrProviderRead
{
    public HrEvent? Event { get; private init; }

    /// <summary>
    /// True when the event's type was derived from the employee's state rather than named by the sender: the processor
    /// then settles hire, update and return against what it last recorded about the employee.
    /// </summary>
    public bool FromState { get; private init; }

    public string? ParkedReason { get; private init; }

    public string? IgnoredReason { get; private init; }

    public static HrProviderRead Named(HrEvent hrEvent) => new() { Event = hrEvent };

    public static HrProviderRead State(HrEvent hrEvent) => new() { Event = hrEvent, FromState = true };

    public static HrProviderRead Parked(string reason) => new() { ParkedReason = reason };

    public static HrProviderRead Ignored(string reason) => new() { IgnoredReason = reason };
}
