using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Hr.Providers;

namespace Scalekit.Webhooks.Hr.Connections;

/// <summary>
/// The HR connections configured at start, each with its verifier. The ingest path finds a delivery's connection by
/// the id in its route; processing finds an event's organization by the connection its id carries.
/// </summary>
public sealed class HrConnections : ISourceConnections
{
    private readonly Dictionary<string, (HrConnection Connection, SourceConnection Ingest)> _byId;
    private readonly Dictionary<HrProvider, IHrProvider> _providers;
    private readonly Dictionary<string, SourceConnection> _sharedRoutes;

    public HrConnections(IOptions<HrConnectionOptions> options, IOptions<IngestOptions> ingest, IEnumerable<IHrProvider> providers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ingest);
        ArgumentNullException.ThrowIfNull(providers);
        All = options.Value.Connections;
        _providers = providers.ToDictionary(provider => provider.Provider);
        var tolerance = ingest.Value.TimestampTolerance;
        _byId = All.ToDictionary(connection => connection.Id, connection => (connection, ToIngest(connection, tolerance)), StringComparer.Ordinal);
        _sharedRoutes = _providers.Values.OfType<ISharedRouteHrProvider>().ToDictionary(
            provider => provider.RouteId,
            provider => provider.SharedIngest([.. All.Where(connection => connection.Provider == provider.Provider)], tolerance),
            StringComparer.Ordinal);
    }

    public WebhookSource Source => HrSource.Id;

    /// <summary>Every configured connection, by id, broken ones included.</summary>
    public IReadOnlyList<HrConnection> All { get; }

    public SourceConnection? Find(string id) =>
        _sharedRoutes.TryGetValue(id, out var shared) ? shared : _byId.TryGetValue(id, out var found) ? found.Ingest : null;

    /// <summary>The connection named <paramref name="id"/>, or null when none is configured.</summary>
    public HrConnection? Connection(string id) => _byId.TryGetValue(id, out var found) ? found.Connection : null;

    /// <summary>The provider that verifies and reads <paramref name="connection"/>'s deliveries.</summary>
    public IHrProvider ProviderOf(HrConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return _providers[connection.Provider];
    }

    private SourceConnection ToIngest(HrConnection connection, TimeSpan tolerance) =>
        connection.IsEnabled ? _providers[connection.Provider].Ingest(connection, tolerance) : new SourceConnection(connection.Id, null, connection.Problem);
}

/// <summary>The HR connections read from <c>HR_CONNECTIONS__{id}__*</c> at start.</summary>
public sealed class HrConnectionOptions
{
    public IReadOnlyList<HrConnection> Connections { get; set; } = [];
}
