namespace Scalekit.Webhooks.Hr.Connections;

/// <summary>
/// Where the secrets of connections made through the operations API are kept: never in a table. In Azure the Key
/// Vault (<see cref="KeyVaultHrSecretStore"/>), locally a git-ignored folder (<see cref="DevelopmentHrSecretStore"/>).
/// A secret that cannot be reached throws <see cref="HrSecretUnavailableException"/>.
/// </summary>
public interface IHrSecretStore
{
    /// <summary>The secret in <paramref name="slot"/> of <paramref name="connectionId"/>, or null when there is none.</summary>
    Task<string?> GetAsync(string connectionId, string slot, CancellationToken cancellationToken = default);

    Task SetAsync(string connectionId, string slot, string value, CancellationToken cancellationToken = default);

    /// <summary>Removes the secret; one that is already gone is not an error.</summary>
    Task DeleteAsync(string connectionId, string slot, CancellationToken cancellationToken = default);
}

/// <summary>The secret store could not be reached or refused the app (an outage or a missing role); names the connection, never the secret.</summary>
public sealed class HrSecretUnavailableException(string connectionId, string detail, Exception? inner = null)
    : Exception($"The secrets of HR connection {connectionId} cannot be read or written: {detail}", inner)
{
    public string ConnectionId { get; } = connectionId;

    /// <summary>What went wrong and what to check, without the connection's name.</summary>
    public string Detail { get; } = detail;
}

/// <summary>The names of a connection's secret slots; a new version gets a new slot, so a rotation never overwrites.</summary>
public static class HrSecretSlots
{
    /// <summary>The webhook verification secret, version <paramref name="version"/>.</summary>
    public static string Webhook(int version) => $"webhook-{version}";

    /// <summary>The provider API's credential, version <paramref name="version"/>.</summary>
    public static string ApiCredential(int version) => $"api-{version}";
}
