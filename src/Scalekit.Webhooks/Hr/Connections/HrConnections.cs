using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Hr.Connections;

/// <summary>
/// The HR connections: those defined in settings (read at start) and those created through the operations API (read
/// from <see cref="HrConnectionStore"/> with their secrets from <see cref="IHrSecretStore"/>, remembered for
/// <see cref="HrSecretOptions.CacheDuration"/>). The ingest path finds a delivery's connection by the id in its route;
/// processing finds an event's organization by the connection its id carries. A stored connection whose secrets cannot
/// be read carries that problem (its deliveries are answered 503) and is looked up again on the next delivery.
/// </summary>
public sealed class HrConnections : ISourceConnections
{
    /// <summary>Above this many remembered lookups (unknown ids included), the memory is emptied rather than grown.</summary>
    private const int MaxRemembered = 10_000;

    private readonly Dictionary<string, (HrConnection Connection, SourceConnection Ingest)> _byId;
    private readonly ConcurrentDictionary<string, Remembered> _stored = new(StringComparer.Ordinal);
    private readonly HrConnectionStore _store;
    private readonly IHrSecretStore _secrets;
    private readonly HrSecretOptions _secretOptions;
    private readonly TimeSpan _tolerance;
    private readonly TimeProvider _time;

    public HrConnections(IOptions<HrConnectionOptions> options, IOptions<IngestOptions> ingest, IOptions<HrSecretOptions> secretOptions, HrConnectionStore store, IHrSecretStore secrets, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ingest);
        ArgumentNullException.ThrowIfNull(secretOptions);
        All = options.Value.Connections;
        _tolerance = ingest.Value.TimestampTolerance;
        _time = time;
        _store = store;
        _secrets = secrets;
        _secretOptions = secretOptions.Value;
        _byId = All.ToDictionary(connection => connection.Id, connection => (connection, ToIngest(connection, _tolerance, time)), StringComparer.Ordinal);
    }

    public WebhookSource Source => HrSource.Id;

    /// <summary>Every connection defined in settings, by id, broken ones included.</summary>
    public IReadOnlyList<HrConnection> All { get; }

    public async ValueTask<SourceConnection?> FindAsync(string id, CancellationToken cancellationToken = default) =>
        _byId.TryGetValue(id, out var found) ? found.Ingest : (await StoredAsync(id, cancellationToken).ConfigureAwait(false))?.Ingest;

    /// <summary>The connection named <paramref name="id"/>, or null when there is none (any more).</summary>
    public async ValueTask<HrConnection?> ConnectionAsync(string id, CancellationToken cancellationToken = default) =>
        _byId.TryGetValue(id, out var found) ? found.Connection : (await StoredAsync(id, cancellationToken).ConfigureAwait(false))?.Connection;

    /// <summary>The settings connection named <paramref name="id"/>, or null.</summary>
    public HrConnection? Defined(string id) => _byId.TryGetValue(id, out var found) ? found.Connection : null;

    /// <summary>Drops what this instance remembers of <paramref name="id"/>: after a change, its next delivery reads it afresh.</summary>
    public void Forget(string id) => _stored.TryRemove(id, out _);

    private async ValueTask<Remembered?> StoredAsync(string id, CancellationToken cancellationToken)
    {
        if (!HrConnectionIds.IsStored(id))
        {
            return null;
        }

        var now = _time.GetUtcNow();
        if (_stored.TryGetValue(id, out var remembered) && remembered.Until > now)
        {
            return remembered.Connection is null ? null : remembered;
        }

        remembered = await LoadAsync(id, now, cancellationToken).ConfigureAwait(false);
        if (remembered.Until > now)
        {
            if (_stored.Count >= MaxRemembered)
            {
                _stored.Clear();
            }

            _stored[id] = remembered;
        }
        else
        {
            _stored.TryRemove(id, out _);
        }

        return remembered.Connection is null ? null : remembered;
    }

    private async Task<Remembered> LoadAsync(string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var until = now + _secretOptions.CacheDuration;
        if (await _store.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } stored)
        {
            return new Remembered(null, null, until);
        }

        var connection = await WithSecretsAsync(stored, now, cancellationToken).ConfigureAwait(false);
        if (!connection.IsEnabled)
        {
            // A secret store outage is not remembered: the next delivery tries again.
            until = now;
        }
        else if (stored.InGrace(now) && stored.PreviousSecretUntil < until)
        {
            until = stored.PreviousSecretUntil.Value;
        }

        return new Remembered(connection, ToIngest(connection, _tolerance, _time), until);
    }

    /// <summary>The stored connection with its secrets read: the current webhook secret, the previous one while in its grace, the API credential.</summary>
    private async Task<HrConnection> WithSecretsAsync(StoredHrConnection stored, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var connection = new HrConnection(stored.Id, stored.OrganizationId, stored.Provider, [], null)
        {
            CompanyDomain = stored.CompanyDomain,
            CompanyId = stored.CompanyId,
            ServiceUserId = stored.ServiceUserId,
            EndUserOriginId = stored.EndUserOriginId,
        };
        if (_secretOptions.Problem is { } settings)
        {
            return connection with { Problem = settings };
        }

        try
        {
            List<string> secrets = [];
            if (stored.WebhookSecretVersion > 0)
            {
                secrets.Add(await RequiredAsync(stored.Id, HrSecretSlots.Webhook(stored.WebhookSecretVersion), cancellationToken).ConfigureAwait(false));
                if (stored.InGrace(now))
                {
                    secrets.Add(await RequiredAsync(stored.Id, HrSecretSlots.Webhook(stored.PreviousSecretVersion!.Value), cancellationToken).ConfigureAwait(false));
                }
            }

            var credential = stored.ApiCredentialVersion > 0
                ? await RequiredAsync(stored.Id, HrSecretSlots.ApiCredential(stored.ApiCredentialVersion), cancellationToken).ConfigureAwait(false)
                : null;
            return connection with { Secrets = secrets, ApiCredential = credential };
        }
        catch (HrSecretUnavailableException ex)
        {
            return connection with { Problem = ex.Message };
        }
    }

    private async Task<string> RequiredAsync(string id, string slot, CancellationToken cancellationToken) =>
        await _secrets.GetAsync(id, slot, cancellationToken).ConfigureAwait(false)
            ?? throw new HrSecretUnavailableException(id, $"its secret {slot} is missing from the secret store; rotate the connection to give it a new one.");

    private sealed record Remembered(HrConnection? Connection, SourceConnection? Ingest, DateTimeOffset Until);

    private static SourceConnection ToIngest(HrConnection connection, TimeSpan tolerance, TimeProvider time)
    {
        if (!connection.IsEnabled)
        {
            return new SourceConnection(connection.Id, null, connection.Problem);
        }

        if (connection.Provider != HrProvider.Generic)
        {
            return new SourceConnection(connection.Id, null, $"this build receives only generic HR deliveries, not {connection.Provider}.");
        }

        var secretName = HrConnectionIds.IsStored(connection.Id) ? $"signing secret of connection {connection.Id}" : connection.Setting(HrConnection.SecretSetting);
        var verifier = new StandardWebhooksVerifier([.. connection.Secrets.Select(StandardWebhookSecret.Parse)], tolerance, time, secretName);
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
