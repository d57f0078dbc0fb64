using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly;
using Scalekit.Webhooks.Hosting;

namespace Scalekit.Webhooks.Crm;

/// <summary>Registers the Salesforce connection (validated settings, the shared session, the typed client) and the CRM sync both ways.</summary>
internal static class CrmRegistration
{
    public static IServiceCollection AddSalesforce(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddIntegrationSettings<SalesforceOptions, SalesforceOptionsValidator>(options => SalesforceOptions.Bind(options, configuration))
            // Broken CRM settings turn the sync off just as missing Salesforce credentials do.
            .PostConfigure<IOptions<CrmOptions>>((options, crm) => options.Problem ??= crm.Value.Problem);
        services.TryAddSingleton<SalesforceSession>();
        services.TryAddSingleton<SalesforceClient>();
        services.AddHttpClient(SalesforceClient.HttpClientName)
            .AddResilienceHandler("salesforce", (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<SalesforceOptions>>().Value;
                if (options.Problem is null)
                {
                    pipeline.AddApiRetries(options.MaxRetries, options.RetryBaseDelay);
                    pipeline.AddTimeout(options.AttemptTimeout);
                }
            });
        services.AddIntegrationSettings<CrmOptions, CrmOptionsValidator>(options => CrmOptions.Bind(options, configuration))
            .PostConfigure(CrmFieldOwnership.Check);
        services.TryAddSingleton<AccountLinks>();
        services.TryAddSingleton<CrmSyncStore>();
        services.TryAddSingleton<AccountPush>();
        services.TryAddSingleton<CrmEventHook>();
        services.AddSingleton<Scalekit.IAppliedEventListener>(provider => provider.GetRequiredService<CrmEventHook>());
        services.TryAddSingleton<CrmScheduledSync>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Operations.IIntegrationHealth, CrmHealth>());
        return services;
    }
}
