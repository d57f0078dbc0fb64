using Scalekit.Webhooks.Hr.Providers.BambooHr;
using Scalekit.Webhooks.Hr.Providers.Generic;
using Scalekit.Webhooks.Hr.Providers.HiBob;
using Scalekit.Webhooks.Hr.Providers.Merge;

namespace Scalekit.Webhooks.Hr.Providers;

/// <summary>The HR systems connections can be made to: one line each. Everything else about a provider is in its folder.</summary>
public static class HrProviders
{
    public static IReadOnlyList<HrProviderProfile> All { get; } =
    [
        GenericHrProvider.Profile,
        BambooHrProvider.Profile,
        HiBobProvider.Profile,
        MergeProvider.Profile,
    ];

    /// <summary>The product's own format: what a connection is when it names no provider.</summary>
    public static HrProviderProfile Default => GenericHrProvider.Profile;

    /// <summary>The provider a connection's name gives (any case; absent: generic), or null when none has it.</summary>
    public static HrProviderProfile? Find(string? name)
    {
        var wanted = string.IsNullOrWhiteSpace(name) ? Default.Name : name.Trim();
        return All.FirstOrDefault(profile => string.Equals(profile.Name, wanted, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The names, as a sentence: <c>generic, bamboohr, hibob or merge</c>.</summary>
    public static string Names => string.Join(", ", All.SkipLast(1).Select(profile => profile.Name)) + " or " + All[^1].Name;
}
