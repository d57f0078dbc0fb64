using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Hr.Providers;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Onboarding;
using Scalekit.Webhooks.Onboarding.Checkout;
using Scalekit.Webhooks.Operations;
using Scalekit.Webhooks.Privacy;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;
using Scalekit.Webhooks.Stripe.Recovery;
using Scalekit.Webhooks.Stripe.Seats;

namespace Scalekit.Webhooks.Hosting;

/// <summary>The one registration every host (Azure Functions, local host, tests) calls.</summary>
public static class ScalekitWebhooksServiceCollectionExtensions
{
    public static IServiceCollection AddScalekitWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSettings<IngestOptions, IngestOptionsValidator>(options => IngestOptions.Bind(options, configuration));
        services.AddSettings<LedgerOptions, LedgerOptionsValidator>(options => LedgerOptions.Bind(options, configuration));
        services.AddSettings<RefusalThrottleOptions, RefusalThrottleOptionsValidator>(options => RefusalThrottleOptions.Bind(options, configuration));
        services.TryAddSingleton<RefusalThrottle>();
        services.TryAddSingleton<ThrottledDeliveries>();
        services.AddHostedService<ThrottledDeliveriesFlush>();
        services.AddSettings<EventModeOptions, EventModeOptionsValidator>(options => EventModeOptions.Bind(options, configuration));
        services.TryAddSingleton<EventModeFilter>();
        services.AddHostedService<StartupSettingsReport>();

        services.AddOptions<StorageAccountOptions>().Configure(options => StorageAccountOptions.Bind(options, configuration)).ValidateOnStart();
        services.TryAddSingleton(provider => StorageClients.Create(provider.GetRequiredService<IOptions<StorageAccountOptions>>().Value, StorageRetry.Default));
        services.TryAddSingleton<StorageProvisioner>();
        services.TryAddSingleton<PayloadStore>();
        services.AddSettings<EventQueueOptions, EventQueueOptionsValidator>(options => EventQueueOptions.Bind(options, configuration));
        services.TryAddSingleton<EventQueueWriter>();
        services.TryAddSingleton<WebhookIngestor>();
        services.TryAddSingleton(provider => new EventLedger(
            provider.GetRequiredService<StorageClients>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<IOptions<LedgerOptions>>().Value.ClaimLease));
        services.TryAddSingleton<EventLedgerQueries>();
        services.TryAddSingleton<EventLedgerMaintenance>();
        services.TryAddSingleton<EventConsumer>();
        foreach (var source in EventSources.All)
        {
            services.TryAddSingleton(source.Processor);
            services.AddSingleton(provider => new SourceProcessor(source.Source, (IEventProcessor)provider.GetRequiredService(source.Processor)));
        }

        services.TryAddSingleton<StateStore>();
        services.TryAddSingleton<OrganizationStore>();
        services.TryAddSingleton<OrganizationDomainStore>();
        services.TryAddSingleton<DirectoryUserStore>();
        services.TryAddSingleton<DirectoryGroupStore>();
        services.TryAddSingleton<MembershipStore>();
        services.TryAddSingleton<SubscriptionStore>();
        services.TryAddSingleton<CustomerStore>();
        services.TryAddSingleton<InvoiceStore>();
        services.TryAddSingleton<StorageMigration>();
        services.TryAddSingleton<ScalekitStateApplier>();
        services.AddIntegrationSettings<BillingOptions, BillingOptionsValidator>(options => BillingOptions.Bind(options, configuration));
        services.TryAddSingleton<OrganizationLinks>();
        services.TryAddSingleton<CustomerBillingStore>();
        services.TryAddSingleton<BillingSync>();
        services.TryAddSingleton<LateLinkSync>();
        services.AddIntegrationSettings<HrOptions, HrOptionsValidator>(options => HrOptions.Bind(options, configuration));
        services.TryAddSingleton<EmployeeStore>();
        services.Configure<HrConnectionOptions>(options => options.Connections = HrConnection.ReadAll(configuration));
        services.AddIntegrationSettings<HrSecretOptions, HrSecretOptionsValidator>(options => HrSecretOptions.Bind(options, configuration));
        services.TryAddSingleton<HrConnectionStore>();
        services.TryAddSingleton<IHrSecretStore>(provider => provider.GetRequiredService<IOptions<HrSecretOptions>>().Value is { VaultUri: not null, Problem: null } secrets
            ? new KeyVaultHrSecretStore(KeyVaultHrSecretStore.CreateClient(secrets))
            : new DevelopmentHrSecretStore(provider.GetRequiredService<IOptions<HrSecretOptions>>()));
        services.AddHrProviders(configuration);
        services.TryAddSingleton<HrConnections>();
        services.TryAddSingleton<HrConnectionRefusals>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionRefusals, HrConnectionRefusals>(provider => provider.GetRequiredService<HrConnectionRefusals>()));
        services.TryAddSingleton<HrConnectionDeliveryStats>();
        services.TryAddSingleton<HrConnectionAdmin>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISourceConnections, HrConnections>(provider => provider.GetRequiredService<HrConnections>()));
        services.TryAddSingleton<HrUserSync>();
        services.AddSettings<DeadLetterOptions, DeadLetterOptionsValidator>(options => DeadLetterOptions.Bind(options, configuration));
        services.TryAddSingleton<DeadLetterStore>();
        services.TryAddSingleton<DeadLetterReplayer>();
        services.TryAddSingleton<TimerJobs>();
        services.TryAddSingleton<ManualReplay>();
        services.TryAddSingleton<OpsQueries>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IIntegrationHealth, BillingHealth>());
        services.AddSettings<RetentionOptions, RetentionOptionsValidator>(options => RetentionOptions.Bind(options, configuration));
        services.TryAddSingleton<PayloadRetention>();
        services.TryAddSingleton<PersonalDataEraser>();
        services.TryAddSingleton<ErasureJobStore>();
        services.TryAddSingleton<ErasureJobs>();
        services.TryAddSingleton<AuditTrail>();
        foreach (var table in ReadModel.PersonalData)
        {
            services.AddSingleton(table);
        }

        services.AddSingleton(CustomerStore.PersonalData);

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IIntegrationHealth, HrHealth>());
        services.AddSingleton(EmployeeStore.PersonalData);
        services.TryAddSingleton<ScalekitTokenCache>();
        services.AddSettings<ScalekitOptions, ScalekitOptionsValidator>(options => ScalekitOptions.Bind(options, configuration));
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
        // After the CRM's: an applied organization event queues its account update before billing syncs.
        services.TryAddSingleton<OrganizationLinkedListener>();
        services.AddSingleton<IAppliedEventListener>(provider => provider.GetRequiredService<OrganizationLinkedListener>());
        services.AddIntegrationSettings<StripeApiOptions, StripeApiOptionsValidator>(options => StripeApiOptions.Bind(options, configuration));
        services.AddHttpClient(StripeCustomerMetadata.HttpClientName)
            .ConfigureHttpClient((provider, client) =>
            {
                // Each attempt has its own timeout (below); this bounds the attempts and their waits together.
                // Broken Stripe API settings keep HttpClient's own timeout; the client is not used then anyway.
                var options = provider.GetRequiredService<IOptions<StripeApiOptions>>().Value;
                if (options.Problem is null)
                {
                    client.Timeout = (options.Timeout * (StripeApiOptions.MaxRetries + 1)) + TimeSpan.FromSeconds(30);
                }
            })
            .AddResilienceHandler("stripe", (pipeline, context) =>
            {
                // One retry policy for every Stripe call: reads, the customer metadata write, seat quantities.
                pipeline.AddApiRetries(StripeApiOptions.MaxRetries, StripeApiOptions.RetryBaseDelay);
                pipeline.AddTimeout(context.ServiceProvider.GetRequiredService<IOptions<StripeApiOptions>>().Value.Timeout);
            });
        services.TryAddSingleton<StripeCustomerMetadata>();
        services.AddOnboarding(configuration);
        services.AddStripeRecovery(configuration);
        services.AddBillingBeyondPlanMap(configuration);
        services.AddSeatSync(configuration);
        services.AddCheckoutOnboarding(configuration);
        services.AddOwnership();
        return services;
    }
}
