using Azure;
using Azure.Core;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;

namespace Scalekit.Webhooks.Hr.Connections;

/// <summary>
/// Connection secrets in the Key Vault, as <c>hr-{connection}-{slot}</c>, read and written as the app's managed
/// identity (the Key Vault Secrets Officer role on this vault, granted by the Bicep). A missing secret is null; a
/// refusal, a throttle or an outage that outlasts the client's retries throws <see cref="HrSecretUnavailableException"/>.
/// </summary>
public sealed class KeyVaultHrSecretStore(SecretClient client) : IHrSecretStore
{
    /// <summary>The client for <paramref name="options"/>' vault: its managed identity, a few quick retries, a bounded wait.</summary>
    public static SecretClient CreateClient(HrSecretOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        TokenCredential credential = new ManagedIdentityCredential(options.IdentityClientId is { } clientId
            ? ManagedIdentityId.FromUserAssignedClientId(clientId)
            : ManagedIdentityId.SystemAssigned);
        return new SecretClient(options.VaultUri, credential, ClientOptions());
    }

    /// <summary>Retries and timeouts for the vault: an ingest that waits on it must still answer well within a sender's timeout.</summary>
    public static SecretClientOptions ClientOptions()
    {
        var options = new SecretClientOptions();
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(5);
        return options;
    }

    public async Task<string?> GetAsync(string connectionId, string slot, CancellationToken cancellationToken = default)
    {
        try
        {
            var secret = await client.GetSecretAsync(Name(connectionId, slot), cancellationToken: cancellationToken).ConfigureAwait(false);
            return secret.Value.Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
        catch (Exception ex) when (IsUnavailable(ex, cancellationToken))
        {
            throw Unavailable(connectionId, ex);
        }
    }

    public async Task SetAsync(string connectionId, string slot, string value, CancellationToken cancellationToken = default)
    {
        try
        {
            await client.SetSecretAsync(Name(connectionId, slot), value, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex, cancellationToken))
        {
            throw Unavailable(connectionId, ex);
        }
    }

    public async Task DeleteAsync(string connectionId, string slot, CancellationToken cancellationToken = default)
    {
        try
        {
            // Soft delete: the vault keeps it for its retention; the name is never used again (slots are versioned).
            await client.StartDeleteSecretAsync(Name(connectionId, slot), cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
        }
        catch (Exception ex) when (IsUnavailable(ex, cancellationToken))
        {
            throw Unavailable(connectionId, ex);
        }
    }

    /// <summary>The vault's name for a slot: letters, digits and '-' only (a connection id's '_' becomes '-').</summary>
    public static string Name(string connectionId, string slot)
    {
        if (!IsSafeName(connectionId) || !IsSafeName(slot))
        {
            throw new ArgumentException("A connection id and slot are letters, digits, '-' and '_'.", nameof(connectionId));
        }

        return $"hr-{connectionId}-{slot}".Replace('_', '-');
    }

    internal static bool IsSafeName(string name) =>
        name is { Length: > 0 and <= 60 } && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    // When every try failed with an exception (a timeout, a refused connection), Azure.Core throws them together.
    private static bool IsUnavailable(Exception ex, CancellationToken cancellationToken) =>
        ex is RequestFailedException or AuthenticationFailedException or CredentialUnavailableException
        || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        || (ex is AggregateException all && all.InnerExceptions.Count > 0 && all.InnerExceptions.All(inner => IsUnavailable(inner, cancellationToken)));

    private static HrSecretUnavailableException Unavailable(string connectionId, Exception ex) => ex switch
    {
        AggregateException all => new(connectionId, Unavailable(connectionId, all.InnerExceptions[^1]).Detail, ex),
        RequestFailedException { Status: 401 or 403 } failed => new(connectionId, $"the Key Vault refused the app's identity ({failed.Status}): grant it the Key Vault Secrets Officer role on the vault ({HrSecretOptions.VaultUriSetting}).", ex),
        RequestFailedException { Status: 429 } => new(connectionId, "the Key Vault is throttling requests (429); retry shortly.", ex),
        RequestFailedException { Status: >= 500 } failed => new(connectionId, $"the Key Vault is failing ({failed.Status}); retry shortly.", ex),
        RequestFailedException { Status: 0 } => new(connectionId, $"the Key Vault at {HrSecretOptions.VaultUriSetting} cannot be reached.", ex),
        RequestFailedException failed => new(connectionId, $"the Key Vault answered {failed.Status}.", ex),
        OperationCanceledException => new(connectionId, "the Key Vault did not answer in time.", ex),
        _ => new(connectionId, $"the app's identity could not sign in to the Key Vault ({ex.GetType().Name}).", ex),
    };
}
