using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Storage;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Scalekit.Webhooks.Operations;
using Scalekit.Webhooks.Privacy;
using Scalekit.Webhooks.Billing;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.Onboarding;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.State;

namespace Scalekit.Webhooks.Hosting;

/// <summary>The one registration every host (Azure Functions, local host, tests) calls.</summary>
public static class ScalekitWebhooksServiceCollectionExtensions
{
    public static IServiceCollection AddScalekitWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<IngestOptions>()
            .Configure(options => IngestOptions.Bind(options, configuration))
            .ValidateOnStart();
        services.AddOptions<LedgerOptions>().Configure(options => LedgerOptions.Bind(options, configuration)).ValidateOnStart();
        services.AddOptions<RefusalThrottleOptions>()
            .Configure(options => RefusalThrottleOptions.Bind(options, configuration))
            .ValidateOnStart();
        services.TryAddSingleton<RefusalThrottle>();
        services.AddOptions<EventModeOptions>()
            .Configure(options => EventModeOptions.Bind(options, configuration))
            .ValidateOnStart();
        services.TryAddSingleton<EventModeFilter>();
        services.AddHostedService<StartupSettingsReport>();

        services.AddOptions<StorageAccountOptions>().Configure(options => StorageAccountOptions.Bind(options, configuration)).ValidateOnStart();
        services.TryAddSingleton(provider => StorageClients.Create(provider.GetRequiredService<IOptions<StorageAccountOptions>>().Value, StorageRetry.Default));
        services.TryAddSingleton<StorageProvisioner>();
        services.TryAddSingleton<PayloadStore>();
        services.AddOptions<EventQueueOptions>().Configure(options => EventQueueOptions.Bind(options, configuration)).ValidateOnStart();
        services.TryAddSingleton<EventQueueWriter>();
        services.TryAddSingleton<WebhookIngestor>();
        services.TryAddSingleton(provider => new EventLedger(
            provider.GetRequiredService<StorageClients>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<IOptions<LedgerOptions>>().Value.ClaimLease));
        services.TryAddSingleton<EventConsumer>();
        foreach (var source in EventSources.All)
        {
            services.TryAddSingleton(source.Processor);
            services.AddSingleton(provider => new SourceProcessor(source.Source, (IEventProcessor)provider.GetRequiredService(source.Processor)));
        }

        services.TryAddSingleton<StateStore>();
        services.TryAddSingleton<ReadModel>();
        services.TryAddSingleton<StorageMigration>();
        services.TryAddSingleton<ScalekitStateApplier>();
        services.AddOptions<BillingOptions>().Configure(options => BillingOptions.Bind(options, configuration)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BillingOptions>, BillingOptionsValidator>();
        services.TryAddSingleton<OrganizationLinks>();
        services.TryAddSingleton<CustomerBillingStore>();
        services.TryAddSingleton<BillingSync>();
        services.TryAddSingleton<LateLinkSync>();
        services.AddOptions<HrOptions>().Configure(options => HrOptions.Bind(options, configuration)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HrOptions>, HrOptionsValidator>();
        services.TryAddSingleton<EmployeeStore>();
        services.TryAddSingleton<HrOrganizationResolver>();
        services.TryAddSingleton<HrUserSync>();
        services.AddOptions<DeadLetterOptions>().Configure(options => DeadLetterOptions.Bind(options, configuration)).ValidateOnStart();
        services.TryAddSingleton<DeadLetterStore>();
        services.TryAddSingleton<DeadLetterReplayer>();
        services.TryAddSingleton<ManualReplay>();
        services.TryAddSingleton<OpsQueries>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IIntegrationHealth, BillingHealth>());
        services.AddOptions<RetentionOptions>()
            .Configure(options => RetentionOptions.Bind(options, configuration))
            .ValidateOnStart();
        services.TryAddSingleton<PayloadRetention>();
        services.TryAddSingleton<PersonalDataEraser>();
        services.TryAddSingleton<AuditTrail>();
        foreach (var table in PersonalDataTable.Scalekit)
        {
            services.AddSingleton(table);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IIntegrationHealth, HrHealth>());
        services.AddSingleton(PersonalDataTable.Hr);
        services.TryAddSingleton<ScalekitTokenCache>();
        services.AddOptions<ScalekitOptions>().Configure(options => ScalekitOptions.Bind(options, configuration)).ValidateOnStart();
        // One named client, so every Scalekit client shares one resilience pipeline (and its circuit breaker).
        services.TryAddSingleton<ScalekitClient>();
        services.TryAddSingleton<ScalekitUserClient>();
        services.AddHttpClient(ScalekitApiClient.HttpClientName).AddResilienceHandler("scalekit", (pipeline, context) =>
        {
            var options = context.ServiceProvider.GetRequiredService<IOptions<ScalekitOptions>>().Value;
            pipeline.AddApiRetries(options.MaxRetries, options.RetryBaseDelay);
            pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 10,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = options.CircuitBreakDuration,
            });
            pipeline.AddTimeout(options.AttemptTimeout);
        });
        services.AddSalesforce(configuration);
        services.AddOptions<StripeApiOptions>().Configure(options => StripeApiOptions.Bind(options, configuration)).ValidateOnStart();
        services.AddHttpClient(StripeCustomerMetadata.HttpClientName)
            .ConfigureHttpClient((provider, client) => client.Timeout = provider.GetRequiredService<IOptions<StripeApiOptions>>().Value.Timeout);
        services.TryAddSingleton<StripeCustomerMetadata>();
        services.AddOnboarding(configuration);
        return services;
    }
}
