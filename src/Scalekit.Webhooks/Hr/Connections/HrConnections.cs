using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hr.Providers;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Hr.Connections;

/// <summary>
/// The HR connections: those defined in settings (read at start) and those created through the operations API (read
/// from <see cref="HrConnectionStore"/> with their secrets from <see cref="IHrSecretStore"/>, remembered for
/// <see cref="HrSecretOptions.CacheDuration"/>). The ingest path finds a delivery's connection by the id in its route;
/// processing finds an event's organization by the connection its id carries. A stored connection whose secrets cannot
/// be read carries that problem (its deliveries are answered 503) and is looked up again on the next delivery.
/// </summary>
public sealed class HrConnections : ISourceConnections, IHrConnectionDirectory
{
    /// <summary>Above this many remembered lookups (unknown ids included), the memory is emptied rather than grown.</summary>
    private const int MaxRemembered = 10_000;

    private readonly Dictionary<string, (HrConnection Connection, SourceConnection Ingest)> _byId;
    private readonly ConcurrentDictionary<string, Remembered> _stored = new(StringComparer.Ordinal);
    private readonly HrConnectionStore _store;
    private readonly IHrSecretStore _secrets;
    private readonly HrSecretOptions _secretOptions;
    private readonly ConcurrentDictionary<string, (string? Id, DateTimeOffset Until)> _routing = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IHrProvider> _providers;
    private readonly Dictionary<string, SourceConnection> _sharedRoutes;
    private readonly HrIngestContext _context;
    private readonly TimeProvider _time;

    public HrConnections(IOptions<HrConnectionOptions> options, IOptions<IngestOptions> ingest, IOptions<HrSecretOptions> secretOptions, HrConnectionStore store, IHrSecretStore secrets, IEnumerable<IHrProvider> providers, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ingest);
        ArgumentNullException.ThrowIfNull(secretOptions);
        ArgumentNullException.ThrowIfNull(providers);
        All = options.Value.Connections;
        _time = time;
        _store = store;
        _secrets = secrets;
        _secretOptions = secretOptions.Value;
        _context = new HrIngestContext(ingest.Value.TimestampTolerance, this);
        _providers = providers.ToDictionary(provider => provider.Profile.Name, StringComparer.Ordinal);
        _sharedRoutes = _providers.Values.OfType<ISharedRouteHrProvider>().ToDictionary(provider => provider.Profile.SharedRoute!, provider => provider.SharedIngest(_context), StringComparer.Ordinal);
        _byId = All.ToDictionary(connection => connection.Id, connection => (connection, ToIngest(connection)), StringComparer.Ordinal);
    }

    public WebhookSource Source => HrSource.Id;

    /// <summary>Every connection defined in settings, by id, broken ones included.</summary>
    public IReadOnlyList<HrConnection> All { get; }

    public async ValueTask<SourceConnection?> FindAsync(string id, CancellationToken cancellationToken = default) =>
        _sharedRoutes.TryGetValue(id, out var shared) ? shared
        : _byId.TryGetValue(id, out var found) ? found.Ingest
        : (await StoredAsync(id, cancellationToken).ConfigureAwait(false))?.Ingest;

    /// <summary>The provider that verifies and reads <paramref name="connection"/>'s deliveries.</summary>
    public IHrProvider ProviderOf(HrConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return _providers[connection.Provider];
    }

    /// <summary>The connection named <paramref name="id"/>, or null when there is none (any more).</summary>
    public async ValueTask<HrConnection?> ConnectionAsync(string id, CancellationToken cancellationToken = default) =>
        _byId.TryGetValue(id, out var found) ? found.Connection : (await StoredAsync(id, cancellationToken).ConfigureAwait(false))?.Connection;

    /// <summary>The settings connection named <paramref name="id"/>, or null.</summary>
    public HrConnection? Defined(string id) => _byId.TryGetValue(id, out var found) ? found.Connection : null;

    /// <summary>Drops what this instance remembers of <paramref name="id"/>: after a change, its next delivery reads it afresh.</summary>
    public void Forget(string id)
    {
        _stored.TryRemove(id, out _);
        _routing.Clear();
    }

    /// <summary>
    /// A shared address's connection by the routing value its body names: those in settings first, then the stored one
    /// the value's index row points to (one point read, remembered like the connection for
    /// <see cref="HrSecretOptions.CacheDuration"/>, unknown values included).
    /// </summary>
    public async ValueTask<HrConnection?> FindByRoutingValueAsync(HrProviderProfile profile, string value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(value);
        if (All.FirstOrDefault(connection => connection.Provider == profile.Name && connection.Field(profile.RoutingField!) == value) is { } defined)
        {
            return defined;
        }

        var now = _time.GetUtcNow();
        if (!_routing.TryGetValue(value, out var routed) || routed.Until <= now)
        {
            routed = (await _store.FindByOriginAsync(value, cancellationToken).ConfigureAwait(false), now + _secretOptions.CacheDuration);
            if (_routing.Count >= MaxRemembered)
            {
                _routing.Clear();
            }

            _routing[value] = routed;
        }

        return routed.Id is { } id && await ConnectionAsync(id, cancellationToken).ConfigureAwait(false) is { } connection && connection.Provider == profile.Name
            ? connection
            : null;
    }

    /// <summary>
    /// Sets a stored connection's empty field to <paramref name="value"/> (an optimistic write: of two first deliveries
    /// racing, one value wins) and answers the value it then holds. A settings connection is never written: its own value is answered.
    /// </summary>
    public async ValueTask<string?> RecordFieldAsync(HrConnection connection, string field, string value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!HrConnectionIds.IsStored(connection.Id))
        {
            return connection.Field(field);
        }

        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (await _store.GetAsync(connection.Id, cancellationToken).ConfigureAwait(false) is not { } stored)
            {
                return null;
            }

            if (stored.Fields.TryGetValue(field, out var held))
            {
                Forget(connection.Id);
                return held;
            }

            try
            {
                await _store.ReplaceAsync(stored with { Fields = new Dictionary<string, string>(stored.Fields, StringComparer.Ordinal) { [field] = value } }, cancellationToken).ConfigureAwait(false);
                Forget(connection.Id);
                return value;
            }
            catch (Azure.RequestFailedException ex) when (ex.Status is 404 or 412)
            {
                // Changed meanwhile (another delivery recorded it, a rotation, a delete): read it again.
            }
        }

        return null;
    }

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

        return new Remembered(connection, ToIngest(connection), until);
    }

    /// <summary>The stored connection with its secrets read: the current webhook secret, the previous one while in its grace, the API credential.</summary>
    private async Task<HrConnection> WithSecretsAsync(StoredHrConnection stored, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var connection = new HrConnection(stored.Id, stored.OrganizationId, stored.Provider, [], null) { Fields = stored.Fields };
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

    private SourceConnection ToIngest(HrConnection connection) =>
        !connection.IsEnabled ? new SourceConnection(connection.Id, null, connection.Problem)
        : _providers.TryGetValue(connection.Provider, out var provider) ? provider.Ingest(connection, _context)
        : new SourceConnection(connection.Id, null, $"HR connection {connection.Id} names a provider this build does not have ({connection.Provider}).");
}

/// <summary>The HR connections read from <c>HR_CONNECTIONS__{id}__*</c> at start.</summary>
public sealed class HrConnectionOptions
{
    public IReadOnlyList<HrConnection> Connections { get; set; } = [];
}
