using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Hr.Connections;

/// <summary>
/// The HR connections configured at start, each with its verifier. The ingest path finds a delivery's connection by
/// the id in its route; processing finds an event's organization by the connection its id carries.
/// </summary>
public sealed class HrConnections : ISourceConnections
{
    private readonly Dictionary<string, (HrConnection Connection, SourceConnection Ingest)> _byId;

    public HrConnections(IOptions<HrConnectionOptions> options, IOptions<IngestOptions> ingest, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ingest);
        All = options.Value.Connections;
        _byId = All.ToDictionary(connection => connection.Id, connection => (connection, ToIngest(connection, ingest.Value.TimestampTolerance, time)), StringComparer.Ordinal);
    }

    public WebhookSource Source => HrSource.Id;

    /// <summary>Every configured connection, by id, broken ones included.</summary>
    public IReadOnlyList<HrConnection> All { get; }

    public SourceConnection? Find(string id) => _byId.TryGetValue(id, out var found) ? found.Ingest : null;

    /// <summary>The connection named <paramref name="id"/>, or null when none is configured.</summary>
    public HrConnection? Connection(string id) => _byId.TryGetValue(id, out var found) ? found.Connection : null;

    private static SourceConnection ToIngest(HrConnection connection, TimeSpan tolerance, TimeProvider time)
    {
        if (!connection.IsEnabled)
        {
            return new SourceConnection(connection.Id, null, connection.Problem);
        }

        var verifier = new StandardWebhooksVerifier([.. connection.Secrets.Select(StandardWebhookSecret.Parse)], tolerance, time, connection.Setting(HrConnection.SecretSetting));
        return new SourceConnection(connection.Id, verifier, null) { ContentProblem = payload => ContentProblem(connection, payload) };
    }

    /// <summary>
    /// A generic event is refused at once when it is malformed or names an organization: the connection's organization
    /// is the only one its events act on, so naming another is refused and naming none is the rule.
    /// </summary>
    internal static string? ContentProblem(HrConnection connection, ReadOnlyMemory<byte> payload)
    {
        if (!HrEvent.TryParse(payload, out var hrEvent, out var problem))
        {
            return $"The HR event is invalid: {problem} (see docs/hr-events.schema.json).";
        }

        var employee = hrEvent!.Employee;
        if (employee.OrganizationId is { } named && !string.Equals(named, connection.OrganizationId, StringComparison.Ordinal))
        {
            return $"data.organization_id names another organization than connection {connection.Id}'s; a connection's events act only on its own organization (leave the field out).";
        }

        return employee.OrganizationExternalId is not null
            ? $"data.organization_external_id is not accepted on connection {connection.Id}: its events act only on the connection's organization (leave the field out)."
            : null;
    }
}

/// <summary>The HR connections read from <c>HR_CONNECTIONS__{id}__*</c> at start.</summary>
public sealed class HrConnectionOptions
{
    public IReadOnlyList<HrConnection> Connections { get; set; } = [];
}
