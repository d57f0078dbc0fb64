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

/// <summary>Registers the HR providers: one line each, plus the settings and API client the provider's folder owns.</summary>
internal static class HrProvidersRegistration
{
    public static IServiceCollection AddHrProviders(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddIntegrationSettings<HrApiOptions, HrApiOptionsValidator>(options => HrApiOptions.Bind(options, configuration));
        services.TryAddSingleton<HrProviderSettings>();
        services.AddProvider<GenericHrProvider>();
        services.AddProvider<BambooHrProvider>().AddBambooHr(configuration);
        services.AddProvider<HiBobProvider>().AddHiBob(configuration);
        services.AddProvider<MergeProvider>().AddIntegrationSettings<MergeOptions, MergeOptionsValidator>(options => MergeOptions.Bind(options, configuration));
        return services;
    }

    private static IServiceCollection AddProvider<TProvider>(this IServiceCollection services)
        where TProvider : class, IHrProvider
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHrProvider, TProvider>());
        return services;
    }

    private static IServiceCollection AddBambooHr(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddIntegrationSettings<BambooHrOptions, BambooHrOptionsValidator>(options => BambooHrOptions.Bind(options, configuration));
        services.TryAddSingleton<BambooHrClient>();
        services.AddApiClient(BambooHrClient.HttpClientName);
        return services;
    }

    private static IServiceCollection AddHiBob(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddIntegrationSettings<HiBobOptions, HiBobOptionsValidator>(options => HiBobOptions.Bind(options, configuration));
        services.TryAddSingleton<HiBobClient>();
        services.AddApiClient(HiBobClient.HttpClientName);
        return services;
    }

    private static void AddApiClient(this IServiceCollection services, string name) =>
        services.AddHttpClient(name).AddResilienceHandler(name, (pipeline, context) =>
        {
            var options = context.ServiceProvider.GetRequiredService<IOptions<HrApiOptions>>().Value;
            pipeline.AddApiRetries(options.MaxRetries, options.RetryBaseDelay);
            pipeline.AddTimeout(options.AttemptTimeout);
        });
}
