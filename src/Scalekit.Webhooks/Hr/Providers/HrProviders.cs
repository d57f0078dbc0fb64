using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly;
using Scalekit.Webhooks.Hosting;
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

    /// <summary>Registers every provider with its own settings and clients.</summary>
    internal static IServiceCollection AddHrProviders(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddIntegrationSettings<HrApiOptions, HrApiOptionsValidator>(options => HrApiOptions.Bind(options, configuration));
        services.TryAddSingleton<HrProviderSettings>();
        foreach (var profile in All)
        {
            services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IHrProvider), profile.Provider));
            profile.AddServices?.Invoke(services, configuration);
        }

        return services;
    }

    /// <summary>A named HTTP client for a provider's API, with the HR API retries and timeout (<see cref="HrApiOptions"/>).</summary>
    internal static void AddApiClient(this IServiceCollection services, string name) =>
        services.AddHttpClient(name).AddResilienceHandler(name, (pipeline, context) =>
        {
            var options = context.ServiceProvider.GetRequiredService<IOptions<HrApiOptions>>().Value;
            pipeline.AddApiRetries(options.MaxRetries, options.RetryBaseDelay);
            pipeline.AddTimeout(options.AttemptTimeout);
        });
}
