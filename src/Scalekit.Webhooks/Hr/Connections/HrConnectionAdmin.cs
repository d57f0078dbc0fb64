using System.Security.Cryptography;
using Azure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hr.Providers;

namespace Scalekit.Webhooks.Hr.Connections;

/// <summary>
/// Creates, lists, rotates and deletes HR connections at run time. Secrets go to <see cref="IHrSecretStore"/>, the rest
/// to <see cref="HrConnectionStore"/>; each change makes this instance forget what it remembered of the connection.
/// Settings connections are listed read only.
/// </summary>
public sealed partial class HrConnectionAdmin(
    HrConnectionStore store,
    IHrSecretStore secrets,
    HrConnections connections,
    HrConnectionDeliveryStats stats,
    IOptions<HrSecretOptions> options,
    TimeProvider time,
    ILogger<HrConnectionAdmin> logger)
{
    public const string OrganizationField = "organization_id";
    public const string ProviderField = "provider";

    /// <summary>Creates a connection from the request's string <paramref name="fields"/>, validated per provider.</summary>
    public async Task<HrConnectionResult> CreateAsync(IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var (request, problem) = HrConnectionFields.ReadCreate(fields);
        if (request is null)
        {
            return HrConnectionResult.Refused(400, "bad_request", problem!.Detail, problem.Field);
        }

        if (Unavailable() is { } unavailable)
        {
            return unavailable;
        }

        if (request.RoutingValue is { } origin && connections.All.Any(c => c.Provider == request.Profile.Name && c.Field(request.Profile.RoutingField!) == origin))
        {
            return RoutingValueTaken(request.Profile);
        }

        var id = HrConnectionIds.New();
        var signingSecret = request.Profile.GeneratesSigningSecret ? NewSigningSecret() : null;
        var webhookSecret = signingSecret ?? request.WebhookSecret;
        var stored = new StoredHrConnection(id, request.OrganizationId, request.Profile.Name, time.GetUtcNow())
        {
            Fields = request.Fields,
            WebhookSecretVersion = webhookSecret is null ? 0 : 1,
            WebhookSecretFingerprint = Fingerprint(webhookSecret),
            ApiCredentialVersion = request.ApiCredential is null ? 0 : 1,
            ApiCredentialFingerprint = Fingerprint(request.ApiCredential),
        };
        try
        {
            await WriteSecretsAsync(id, webhookSecret, request.ApiCredential, stored, cancellationToken).ConfigureAwait(false);
        }
        catch (HrSecretUnavailableException ex)
        {
            Log.SecretStoreFailed(logger, ex, id, "create");
            await DeleteSecretsAsync(stored, ignoreFailures: true, CancellationToken.None).ConfigureAwait(false);
            return SecretStoreDown(ex);
        }

        if (!await store.AddAsync(stored, cancellationToken).ConfigureAwait(false))
        {
            await DeleteSecretsAsync(stored, ignoreFailures: true, CancellationToken.None).ConfigureAwait(false);
            return RoutingValueTaken(request.Profile);
        }

        connections.Forget(id);
        Log.Created(logger, id, request.Profile.Name);
        return new HrConnectionResult(View(stored) with { SigningSecret = signingSecret }, null);
    }

    /// <summary>
    /// Replaces a connection's secrets: a generic one gets a new generated secret (returned once); others take the new
    /// provider secret and/or API credential from <paramref name="fields"/>. The replaced webhook secret is still
    /// accepted for <see cref="HrSecretOptions.RotationGrace"/>.
    /// </summary>
    public async Task<HrConnectionResult> RotateAsync(string id, IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (connections.Defined(id) is { } defined)
        {
            return DefinedInSettings(defined, "rotate", $"put the new secret first in {defined.Setting(HrConnection.SecretSetting)} (the old one after a space while senders switch) and restart the app");
        }

        if (await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } stored)
        {
            return NotFound(id);
        }

        if (HrProviders.Find(stored.Provider) is not { } profile)
        {
            return HrConnectionResult.Refused(409, "conflict", $"HR connection {id} names a provider this build does not have ({stored.Provider}); delete it.");
        }

        var (secretsGiven, problem) = HrConnectionFields.ReadRotation(profile, fields);
        if (problem is not null)
        {
            return HrConnectionResult.Refused(400, "bad_request", problem.Detail, problem.Field);
        }

        var (webhookSecret, apiCredential) = secretsGiven;
        if (Unavailable() is { } unavailable)
        {
            return unavailable;
        }

        var signingSecret = profile.GeneratesSigningSecret ? NewSigningSecret() : null;
        webhookSecret = signingSecret ?? webhookSecret;
        var now = time.GetUtcNow();
        var rotated = stored with { RotatedAt = now };
        if (webhookSecret is not null)
        {
            rotated = rotated with
            {
                WebhookSecretVersion = stored.WebhookSecretVersion + 1,
                WebhookSecretFingerprint = Fingerprint(webhookSecret),
                PreviousSecretVersion = stored.WebhookSecretVersion,
                PreviousSecretFingerprint = stored.WebhookSecretFingerprint,
                PreviousSecretUntil = now + options.Value.RotationGrace,
            };
        }

        if (apiCredential is not null)
        {
            rotated = rotated with { ApiCredentialVersion = stored.ApiCredentialVersion + 1, ApiCredentialFingerprint = Fingerprint(apiCredential) };
        }

        try
        {
            await WriteSecretsAsync(id, webhookSecret, apiCredential, rotated, cancellationToken).ConfigureAwait(false);
            rotated = await store.ReplaceAsync(rotated, cancellationToken).ConfigureAwait(false);
        }
        catch (HrSecretUnavailableException ex)
        {
            Log.SecretStoreFailed(logger, ex, id, "rotate");
            return SecretStoreDown(ex);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return HrConnectionResult.Refused(409, "conflict", $"HR connection {id} was changed or deleted meanwhile; read it again and retry.");
        }

        connections.Forget(id);
        await RemoveReplacedAsync(stored, webhookSecret is not null, apiCredential is not null).ConfigureAwait(false);
        Log.Rotated(logger, id, stored.Provider);
        return new HrConnectionResult(View(rotated) with { SigningSecret = signingSecret }, null);
    }

    /// <summary>Deletes a connection and its secrets: its deliveries are refused (404) at once here, and elsewhere once <see cref="HrSecretOptions.CacheDuration"/> has passed.</summary>
    public async Task<HrConnectionResult> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        if (connections.Defined(id) is { } defined)
        {
            return DefinedInSettings(defined, "delete", $"remove the {HrConnection.Section}__{id}__* settings and restart the app");
        }

        if (await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } stored)
        {
            return NotFound(id);
        }

        try
        {
            // Secrets first: when the store is down nothing is deleted, and the same call can be made again.
            await DeleteSecretsAsync(stored, ignoreFailures: false, cancellationToken).ConfigureAwait(false);
        }
        catch (HrSecretUnavailableException ex)
        {
            Log.SecretStoreFailed(logger, ex, id, "delete");
            return SecretStoreDown(ex);
        }

        await store.DeleteAsync(stored, cancellationToken).ConfigureAwait(false);
        connections.Forget(id);
        Log.Deleted(logger, id);
        return new HrConnectionResult(View(stored), null);
    }

    /// <summary>One connection with its <see cref="HrConnectionView.Deliveries"/>, or null when there is none.</summary>
    public async Task<HrConnectionView?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var view = connections.Defined(id) is { } defined ? View(defined)
            : HrConnectionIds.IsStored(id) && await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } stored ? View(stored)
            : null;
        return view is null ? null : view with { Deliveries = await stats.ReadAsync(view.Id, view.OrganizationId, cancellationToken).ConfigureAwait(false) };
    }

    /// <summary>One page of the connections; the first page starts with those defined in settings.</summary>
    public async Task<(IReadOnlyList<HrConnectionView> Connections, string? ContinuationToken)> ListAsync(int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        var (page, next) = await store.ListAsync(pageSize, continuation, cancellationToken).ConfigureAwait(false);
        IEnumerable<HrConnectionView> defined = continuation is null ? connections.All.Select(View) : [];
        return ([.. defined, .. page.Select(View)], next);
    }

    private HrConnectionView View(StoredHrConnection stored)
    {
        var inGrace = stored.InGrace(time.GetUtcNow());
        return new HrConnectionView(
            stored.Id, stored.OrganizationId, stored.Provider, "api", $"/api/webhooks/{HrSource.Name}/{stored.Id}",
            [.. new[] { stored.WebhookSecretFingerprint, inGrace ? stored.PreviousSecretFingerprint : null }.OfType<string>()],
            inGrace ? stored.PreviousSecretUntil : null, stored.ApiCredentialFingerprint, stored.CreatedAt, stored.RotatedAt,
            options.Value.Problem) { Fields = Shown(stored.Fields) };
    }

    private static HrConnectionView View(HrConnection defined) => new(
        defined.Id, defined.OrganizationId, defined.Provider, "settings", defined.WebhookPath,
        defined.SecretFingerprints, null, null, null, null, defined.Problem) { Fields = Shown(defined.Fields) };

    private static Dictionary<string, object>? Shown(IReadOnlyDictionary<string, string> fields) =>
        fields.Count == 0 ? null : fields.ToDictionary(pair => pair.Key, pair => (object)pair.Value, StringComparer.Ordinal);

    private HrConnectionResult? Unavailable() => options.Value.Problem is { } problem
        ? HrConnectionResult.Refused(503, "not_configured", $"HR connections cannot keep secrets: {problem}")
        : null;

    private static HrConnectionResult SecretStoreDown(HrSecretUnavailableException ex) =>
        HrConnectionResult.Refused(503, "secret_store_unavailable", ex.Message + " Nothing was changed; retry later.");

    private static HrConnectionResult RoutingValueTaken(HrProviderProfile profile) =>
        HrConnectionResult.Refused(409, "conflict", $"Another live {profile.Label} connection has this {profile.RoutingField}; each value names one connection.", profile.RoutingField);

    private static HrConnectionResult NotFound(string id) => HrConnectionResult.Refused(404, "not_found", $"no HR connection {id}");

    private static HrConnectionResult DefinedInSettings(HrConnection defined, string action, string how) =>
        HrConnectionResult.Refused(409, "defined_in_settings", $"HR connection {defined.Id} is defined in settings ({HrConnection.Section}__{defined.Id}__*), so it cannot be changed here; to {action} it, {how}.");

    /// <summary>A Standard Webhooks secret: <c>whsec_</c> and 32 random bytes in base64.</summary>
    private static string NewSigningSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static string? Fingerprint(string? secret) => secret is null ? null : HrConnection.FingerprintOf(secret);

    private static partial class Log
    {
        [LoggerMessage(8180, LogLevel.Information, "HR connection {ConnectionId} ({Provider}) was created.")]
        public static partial void Created(ILogger logger, string connectionId, string provider);

        [LoggerMessage(8181, LogLevel.Information, "HR connection {ConnectionId} ({Provider}) had its secrets rotated.")]
        public static partial void Rotated(ILogger logger, string connectionId, string provider);

        [LoggerMessage(8182, LogLevel.Information, "HR connection {ConnectionId} was deleted with its secrets.")]
        public static partial void Deleted(ILogger logger, string connectionId);

        [LoggerMessage(8183, LogLevel.Warning, "The secret store failed during {Operation} of HR connection {ConnectionId}.")]
        public static partial void SecretStoreFailed(ILogger logger, Exception exception, string connectionId, string operation);
    }
}
