namespace Scalekit.Webhooks.Hosting;

/// <summary>
/// Checks a group of settings that only work together (an API's URL and credentials): all absent (or only a secret's
/// unresolved Key Vault reference) switches the integration off quietly; some of them, an unresolved Key Vault
/// reference beside them or an unusable URL switches it off with a reason that names the settings, never their values.
/// </summary>
public static class ConnectionSettings
{
    private const string KeyVaultReferencePrefix = "@Microsoft.KeyVault(";

    /// <param name="what">The integration, for the message (e.g. "Scalekit API access").</param>
    /// <param name="given">Each setting of the group and its trimmed value.</param>
    /// <param name="unusableUrlSetting">The URL setting when its value is not a usable absolute http(s) URL.</param>
    /// <param name="urlRule">What a usable URL is, for the message.</param>
    public static string? Problem(string what, IReadOnlyDictionary<string, string?> given, string? unusableUrlSetting, string urlRule = "an absolute http(s) URL")
    {
        ArgumentNullException.ThrowIfNull(given);
        var set = given.Where(pair => !string.IsNullOrEmpty(pair.Value)).Select(pair => pair.Key).ToList();

        // In Azure a secret's setting is a Key Vault reference whether or not the secret was ever stored (the Bicep
        // writes a secret only when it is given): with nothing else of the group set, an unresolved one means the
        // integration was never configured, not that it is broken.
        if (set.All(setting => IsUnresolvedKeyVaultReference(given[setting])))
        {
            return null;
        }

        var unresolved = set.Where(setting => IsUnresolvedKeyVaultReference(given[setting])).ToList();
        if (unresolved.Count > 0)
        {
            return $"{what} is off: {string.Join(", ", unresolved)} holds a Key Vault reference that has not been resolved.";
        }

        var missing = given.Keys.Except(set).ToList();
        if (missing.Count > 0)
        {
            return $"{what} is off: {Join(missing)} {(missing.Count == 1 ? "is" : "are")} not set, while {Join(set)} {(set.Count == 1 ? "is" : "are")}. Set all of them, or none.";
        }

        return unusableUrlSetting is null ? null : $"{what} is off: {unusableUrlSetting} is not {urlRule}.";
    }

    /// <summary>An absolute http(s) base URL ending in <c>/</c>, so relative API paths append to it; null when unusable.</summary>
    public static Uri? BaseUrl(string? value) =>
        Uri.TryCreate(value?.Trim().TrimEnd('/') + "/", UriKind.Absolute, out var url) && url.Scheme is "https" or "http" ? url : null;

    /// <summary>As <see cref="BaseUrl"/>, but only https, or http to a loopback host (a local stand-in); null otherwise.</summary>
    public static Uri? SecureBaseUrl(string? value) =>
        BaseUrl(value) is { } url && (url.Scheme == Uri.UriSchemeHttps || url.IsLoopback) ? url : null;

    /// <summary>True for a setting that still holds the <c>@Microsoft.KeyVault(...)</c> text the platform failed to resolve.</summary>
    public static bool IsUnresolvedKeyVaultReference(string? value) =>
        value?.TrimStart().StartsWith(KeyVaultReferencePrefix, StringComparison.OrdinalIgnoreCase) == true;

    private static string Join(IEnumerable<string> settings) => string.Join(" and ", settings);
}
