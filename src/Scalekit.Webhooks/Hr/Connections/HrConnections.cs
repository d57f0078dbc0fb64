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
public sealed class HrConnections : ISourceConnections
{
    /// <summary>Above this many remembered lookups (unknown ids included), the memory is emptied rather than grown.</summary>
    private const int MaxRemembered = 10_000;

    private readonly Dictionary<string, (HrConnection Connection, SourceConnection Ingest)> _byId;
    private readonly ConcurrentDictionary<string, Remembered> _stored = new(StringComparer.Ordinal);
    private readonly HrConnectionStore _store;
    private readonly IHrSecretStore _secrets;
    private readonly HrSecretOptions _secretOptions;
    private readonly ConcurrentDictionary<string, (SourceConnection Ingest, DateTimeOffset Until)> _shared = new(StringComparer.Ordinal);
    private readonly Dictionary<HrProvider, IHrProvider> _providers;
    private readonly Dictionary<string, ISharedRouteHrProvider> _sharedRoutes;
    private readonly TimeSpan _tolerance;
    private readonly TimeProvider _time;

    public HrConnections(IOptions<HrConnectionOptions> options, IOptions<IngestOptions> ingest, IOptions<HrSecretOptions> secretOptions, HrConnectionStore store, IHrSecretStore secrets, IEnumerable<IHrProvider> providers, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ingest);
        ArgumentNullException.ThrowIfNull(secretOptions);
        ArgumentNullException.ThrowIfNull(providers);
        All = options.Value.Connections;
        _tolerance = ingest.Value.TimestampTolerance;
        _time = time;
        _store = store;
        _secrets = secrets;
        _secretOptions = secretOptions.Value;
        _providers = providers.ToDictionary(provider => provider.Provider);
        _sharedRoutes = _providers.Values.OfType<ISharedRouteHrProvider>().ToDictionary(provider => provider.RouteId, StringComparer.Ordinal);
        _byId = All.ToDictionary(connection => connection.Id, connection => (connection, ToIngest(connection)), StringComparer.Ordinal);
    }

    public WebhookSource Source => HrSource.Id;

    /// <summary>Every connection defined in settings, by id, broken ones included.</summary>
    public IReadOnlyList<HrConnection> All { get; }

    public async ValueTask<SourceConnection?> FindAsync(string id, CancellationToken cancellationToken = default) =>
        _sharedRoutes.TryGetValue(id, out var shared) ? await SharedAsync(shared, cancellationToken).ConfigureAwait(false)
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
        _shared.Clear();
    }

    /// <summary>
    /// A shared address (Merge's) chooses among every connection of its provider, those in settings and those stored,
    /// read again after <see cref="HrSecretOptions.CacheDuration"/>.
    /// </summary>
    private async ValueTask<SourceConnection> SharedAsync(ISharedRouteHrProvider provider, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_shared.TryGetValue(provider.RouteId, out var remembered) && remembered.Until > now)
        {
            return remembered.Ingest;
        }

        List<HrConnection> connections = [.. All.Where(connection => connection.Provider == provider.Provider)];
        string? token = null;
        do
        {
            var (page, next) = await _store.ListAsync(100, token, cancellationToken).ConfigureAwait(false);
            foreach (var stored in page.Where(stored => stored.Provider == provider.Provider))
            {
                connections.Add(await WithSecretsAsync(stored, now, cancellationToken).ConfigureAwait(false));
            }

            token = next;
        }
        while (token is not null);

        var ingest = provider.SharedIngest(connections, _tolerance);
        _shared[provider.RouteId] = (ingest, now + _secretOptions.CacheDuration);
        return ingest;
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

    private SourceConnection ToIngest(HrConnection connection) =>
        connection.IsEnabled ? _providers[connection.Provider].Ingest(connection, _tolerance) : new SourceConnection(connection.Id, null, connection.Problem);
}

/// <summary>The HR connections read from <c>HR_CONNECTIONS__{id}__*</c> at start.</summary>
public sealed class HrConnectionOptions
{
    public IReadOnlyList<HrConnection> Connections { get; set; } = [];
}
