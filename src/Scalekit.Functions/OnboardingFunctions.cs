using Microsoft.Azure.Functions.Worker;
using Scalekit.Webhooks.Onboarding;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Functions;

/// <summary>Runs onboardings from their own queue; retries and the poison move are the runtime's, as for events.</summary>
public sealed class OnboardingFunctions(CustomerOnboarding onboarding)
{
    [Function(nameof(OnboardingSteps))]
    public Task OnboardingSteps(
        [QueueTrigger(StorageNames.OnboardingQueue, Connection = "AzureWebJobsStorage")] BinaryData message,
        CancellationToken cancellationToken) => onboarding.HandleAsync(message, cancellationToken);
}
