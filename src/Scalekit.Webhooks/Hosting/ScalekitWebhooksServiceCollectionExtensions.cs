using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Storage;

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
        services.AddSingleton<IValidateOptions<IngestOptions>, IngestOptionsValidator>();
        services.AddOptions<QueueTriggerOptions>();

        services.TryAddSingleton(_ => StorageClients.FromConfiguration(configuration, StorageRetry.Default));
        services.TryAddSingleton<StorageProvisioner>();
        services.TryAddSingleton<PayloadStore>();
        services.TryAddSingleton<EventQueueWriter>();
        services.TryAddSingleton<WebhookIngestor>();
        services.TryAddSingleton<EventLedger>();
        services.TryAddSingleton<EventConsumer>();
        return services;
    }
}
