using Microsoft.Extensions.Options;

namespace Scalekit.Webhooks.Hr.Connections;

/// <summary>
/// The local stand-in for the Key Vault: one file per secret under <see cref="HrSecretOptions.DevelopmentPath"/>
/// (git-ignored). Used only when no vault is configured, which start-up refuses in Azure.
/// </summary>
public sealed class DevelopmentHrSecretStore(IOptions<HrSecretOptions> options) : IHrSecretStore
{
    private readonly string _root = Path.GetFullPath(options.Value.DevelopmentPath);

    public async Task<string?> GetAsync(string connectionId, string slot, CancellationToken cancellationToken = default)
    {
        var file = PathOf(connectionId, slot);
        try
        {
            return File.Exists(file) ? await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new HrSecretUnavailableException(connectionId, $"the development store {_root} cannot be read ({ex.GetType().Name}).", ex);
        }
    }

    public async Task SetAsync(string connectionId, string slot, string value, CancellationToken cancellationToken = default)
    {
        var file = PathOf(connectionId, slot);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await File.WriteAllTextAsync(file, value, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new HrSecretUnavailableException(connectionId, $"the development store {_root} cannot be written ({ex.GetType().Name}).", ex);
        }
    }

    public Task DeleteAsync(string connectionId, string slot, CancellationToken cancellationToken = default)
    {
        var file = PathOf(connectionId, slot);
        try
        {
            File.Delete(file);
            var folder = Path.GetDirectoryName(file)!;
            if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any())
            {
                Directory.Delete(folder);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new HrSecretUnavailableException(connectionId, $"the development store {_root} cannot be written ({ex.GetType().Name}).", ex);
        }

        return Task.CompletedTask;
    }

    // Connection ids and slots are validated names (letters, digits, '-', '_'), so they never leave the folder.
    private string PathOf(string connectionId, string slot)
    {
        if (!KeyVaultHrSecretStore.IsSafeName(connectionId) || !KeyVaultHrSecretStore.IsSafeName(slot))
        {
            throw new ArgumentException("A connection id and slot are letters, digits, '-' and '_'.", nameof(connectionId));
        }

        return Path.Combine(_root, connectionId, slot);
    }
}
