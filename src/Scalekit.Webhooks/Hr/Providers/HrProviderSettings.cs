using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hr.Connections;

namespace Scalekit.Webhooks.Hr.Providers;

/// <summary>The HR providers' app settings that a configured connection needs and that are broken, for the start-up report.</summary>
public sealed class HrProviderSettings(IOptions<HrConnectionOptions> connections, IEnumerable<IHrProvider> providers)
{
    /// <summary>Each switched-off provider and why (naming the setting); a provider no connection in settings uses is not reported.</summary>
    public IEnumerable<(string Integration, string? Problem)> Problems()
    {
        var used = connections.Value.Connections.Select(connection => connection.Provider).ToHashSet(StringComparer.Ordinal);
        return providers.Where(provider => used.Contains(provider.Profile.Name)).Select(provider => (provider.Profile.Label, provider.SettingsProblem));
    }
}
