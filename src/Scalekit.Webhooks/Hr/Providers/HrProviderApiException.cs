using System.Net;

namespace Scalekit.Webhooks.Hr.Providers;

/// <summary>
/// An HR system's API could not answer now (a timeout, a network failure, 408, 429, 5xx, an unreadable answer): thrown
/// so the queue retries the event later. The message names the provider and the status, never a credential.
/// </summary>
public sealed class HrProviderApiException(string provider, HttpStatusCode? statusCode, TimeSpan? retryAfter, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public string Provider { get; } = provider;

    public HttpStatusCode? StatusCode { get; } = statusCode;

    /// <summary>How long the API asked to wait (its <c>Retry-After</c>), when it said.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
