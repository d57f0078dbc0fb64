using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Scalekit.Webhooks.Hosting;

/// <summary>
/// The retry policy every outbound API client shares: 408, 429, 5xx and network failures, honouring Retry-After. A
/// POST is retried only when a repeat is harmless (it carries an <c>Idempotency-Key</c>, it asks for a token, or the
/// answer was 429, which says the request was not taken): a create whose answer is lost may have happened, so the
/// caller looks the object up by its key instead.
/// </summary>
public static class ApiResilience
{
    /// <summary>Set on a POST that only reads (an HR system's employee read), so it is retried like a GET.</summary>
    public static readonly HttpRequestOptionsKey<bool> SafeToRepeat = new("scalekit.safe-to-repeat");

    /// <summary>Whether the retry policy may send <paramref name="request"/> again after a failure.</summary>
    public static bool MayRetry(HttpRequestMessage? request) =>
        request is null
        || request.Method != HttpMethod.Post
        || (request.Options.TryGetValue(SafeToRepeat, out var safe) && safe)
        || request.Headers.Contains("Idempotency-Key")
        || request.RequestUri?.AbsolutePath.EndsWith("/token", StringComparison.Ordinal) == true;

    public static ResiliencePipelineBuilder<HttpResponseMessage> AddApiRetries(this ResiliencePipelineBuilder<HttpResponseMessage> pipeline, int maxRetries, TimeSpan baseDelay)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        if (maxRetries <= 0)
        {
            return pipeline;
        }

        var options = new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = maxRetries,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = baseDelay,
            ShouldRetryAfterHeader = true,
        };
        var transient = options.ShouldHandle;
        options.ShouldHandle = args => MayRetry(args.Context.GetRequestMessage()) || args.Outcome.Result?.StatusCode == System.Net.HttpStatusCode.TooManyRequests
            ? transient(args)
            : PredicateResult.False();
        return pipeline.AddRetry(options);
    }
}
