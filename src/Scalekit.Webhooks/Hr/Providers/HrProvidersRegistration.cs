using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly;
using Scalekit.Webhooks.Hosting;

namespace Scalekit.Webhooks.Hr.Providers;

/// <summary>Registers the providers of <see cref="HrProviders.All"/>, each with what its profile adds.</summary>
internal static class HrProvidersRegistration
{
    /// <summary>Registers every provider with its own settings and clients.</summary>
    internal static IServiceCollection AddHrProviders(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddIntegrationSettings<HrApiOptions, HrApiOptionsValidator>(options => HrApiOptions.Bind(options, configuration));
        services.TryAddSingleton<HrProviderSettings>();
        foreach (var profile in HrProviders.All)
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
