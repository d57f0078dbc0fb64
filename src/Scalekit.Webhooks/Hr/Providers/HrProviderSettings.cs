using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Hr.Providers.BambooHr;
using Scalekit.Webhooks.Hr.Providers.HiBob;
using Scalekit.Webhooks.Hr.Providers.Merge;

namespace Scalekit.Webhooks.Hr.Providers;

/// <summary>The HR providers' app settings that a configured connection needs and that are broken, for the start-up report.</summary>
public sealed class HrProviderSettings(IOptions<HrConnectionOptions> connections, IOptions<BambooHrOptions> bambooHr, IOptions<HiBobOptions> hiBob, IOptions<MergeOptions> merge, IOptions<HrApiOptions> api)
{
    /// <summary>Each switched-off part and why (naming the setting); a provider no connection uses is not reported.</summary>
    public IEnumerable<(string Integration, string? Problem)> Problems()
    {
        var used = connections.Value.Connections.Select(connection => connection.Provider).ToHashSet();
        if (used.Contains(HrProvider.BambooHr) || used.Contains(HrProvider.HiBob))
        {
            yield return ("HR API calls", api.Value.Problem);
        }

        if (used.Contains(HrProvider.BambooHr))
        {
            yield return ("BambooHR", bambooHr.Value.Problem);
        }

        if (used.Contains(HrProvider.HiBob))
        {
            yield return ("HiBob", hiBob.Value.Problem);
        }

        if (used.Contains(HrProvider.Merge))
        {
            yield return ("Merge", merge.Value.Problem);
        }
    }
}
