using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Scalekit.Webhooks.Hosting;

/// <summary>The retry policy every outbound API client shares: 408, 429, 5xx and network failures, honouring Retry-After.</summary>
public static class ApiResilience
{
    public static ResiliencePipelineBuilder<HttpResponseMessage> AddApiRetries(this ResiliencePipelineBuilder<HttpResponseMessage> pipeline, int maxRetries, TimeSpan baseDelay)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        return maxRetries <= 0
            ? pipeline
            : pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = maxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = baseDelay,
                ShouldRetryAfterHeader = true,
            });
    }
}
