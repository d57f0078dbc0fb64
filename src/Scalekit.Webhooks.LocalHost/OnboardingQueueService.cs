using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Onboarding;
using Scalekit.Webhooks.Hosting.Local;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.LocalHost;

/// <summary>The onboarding-steps queue trigger, with the same poll, retry and poison behaviour as the event queues.</summary>
internal sealed class OnboardingQueueService(IServiceProvider provider) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var clients = provider.GetRequiredService<StorageClients>();
        var listener = new QueueTriggerListener(
            clients.Queue(StorageNames.OnboardingQueue),
            clients.Queue(StorageNames.OnboardingQueue + StorageNames.PoisonSuffix),
            provider.GetRequiredService<CustomerOnboarding>().HandleAsync,
            provider.GetRequiredService<IOptions<QueueTriggerOptions>>().Value,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILoggerFactory>().CreateLogger("QueueTrigger.Onboarding"));
        return listener.RunAsync(stoppingToken);
    }
}
