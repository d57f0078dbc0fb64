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
    HrProviderProfile Profile { get; }

    /// <summary>What is wrong with the app settings it needs (naming them), or null; only its connections are affected.</summary>
    string? SettingsProblem { get; }

    /// <summary>The ingest side of an enabled connection: its verifier and how a verified body is read.</summary>
    SourceConnection Ingest(HrConnection connection, HrIngestContext context);

    /// <summary>
    /// Reads one stored event of <paramref name="connection"/>. Expected failures (no permission, a malformed event)
    /// come back as values; an unreachable or throttling API throws <see cref="HrProviderApiException"/> for the queue to retry.
    /// </summary>
    Task<HrProviderRead> ReadAsync(HrConnection connection, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default);
}

/// <summary>
/// A provider that posts every customer's deliveries to one address (<see cref="HrProviderProfile.SharedRoute"/>) and
/// names the customer in the body by its <see cref="HrProviderProfile.RoutingField"/>.
/// </summary>
public interface ISharedRouteHrProvider : IHrProvider
{
    /// <summary>The ingest side of the shared address; <see cref="HrIngestContext.FindByRoutingValueAsync"/> finds the connection a body names.</summary>
    SourceConnection SharedIngest(HrIngestContext context);
}

/// <summary>What a provider's ingest side may ask of the connections while it reads a verified delivery.</summary>
public sealed class HrIngestContext(TimeSpan tolerance, IHrConnectionDirectory directory)
{
    /// <summary>How far a signed timestamp may be from now.</summary>
    public TimeSpan Tolerance { get; } = tolerance;

    /// <summary>The live connection of this provider whose routing field holds <paramref name="value"/>, or null.</summary>
    public ValueTask<HrConnection?> FindByRoutingValueAsync(HrProviderProfile profile, string value, CancellationToken cancellationToken = default) =>
        directory.FindByRoutingValueAsync(profile, value, cancellationToken);

    /// <summary>
    /// Records <paramref name="value"/> as <paramref name="connection"/>'s <paramref name="field"/> when it has none yet
    /// (a value learnt from its first verified delivery); returns the value it now holds, which may be another's that got there first.
    /// </summary>
    public ValueTask<string?> RecordFieldAsync(HrConnection connection, string field, string value, CancellationToken cancellationToken = default) =>
        directory.RecordFieldAsync(connection, field, value, cancellationToken);
}

/// <summary>The connections, as a provider's ingest side sees them (implemented by <see cref="HrConnections"/>).</summary>
public interface IHrConnectionDirectory
{
    ValueTask<HrConnection?> FindByRoutingValueAsync(HrProviderProfile profile, string value, CancellationToken cancellationToken = default);

    ValueTask<string?> RecordFieldAsync(HrConnection connection, string field, string value, CancellationToken cancellationToken = default);
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
