using System.Net;
using Microsoft.Extensions.Options;
using Stripe;

namespace Scalekit.Webhooks.Stripe;

/// <summary>
/// GETs from Stripe's API through Stripe.net (its retries of network failures, 409, 429 and 5xx included), against
/// <c>STRIPE_API_BASE_URL</c> when set, returning the answer's JSON as text.
/// </summary>
public sealed class StripeApiReader(IOptions<StripeApiOptions> options, IHttpClientFactory httpClientFactory)
{
    private readonly StripeApiOptions _options = options.Value;

    /// <summary>Whether Stripe API access is set up.</summary>
    public bool IsConfigured => _options.IsConfigured;

    /// <summary>
    /// The answer to <c>GET <paramref name="path"/></c>. Throws <see cref="StripeReadException"/> naming
    /// <paramref name="what"/>: transient for 429, 409, 5xx, a network failure or timeout; permanent for another refusal.
    /// </summary>
    public async Task<string> GetAsync(string path, string what, CancellationToken cancellationToken = default)
    {
        if (!_options.IsConfigured)
        {
            throw new StripeReadException(false, _options.Problem ?? $"Reading {what} needs Stripe API access: {StripeApiOptions.ApiKeySetting} is not set.");
        }

        var client = new StripeClient(new StripeClientOptions
        {
            ApiKey = _options.ApiKey,
            ApiBase = _options.BaseUrl?.ToString().TrimEnd('/'),
            HttpClient = new SystemNetHttpClient(httpClientFactory.CreateClient(StripeCustomerMetadata.HttpClientName), maxNetworkRetries: 2),
        });
        try
        {
            return (await client.RawRequestAsync(HttpMethod.Get, path, null, null, cancellationToken).ConfigureAwait(false)).Content;
        }
        catch (StripeException ex)
        {
            var status = (int)ex.HttpStatusCode;
            var transient = ex.HttpStatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.Conflict || status >= 500 || status == 0;
            throw new StripeReadException(transient, $"Stripe refused to read {what} ({status}{(ex.StripeError?.Code is { } code ? $" {code}" : string.Empty)}): {ex.StripeError?.Message ?? ex.Message}", ex);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new StripeReadException(true, $"Stripe did not answer the read of {what} ({(ex is OperationCanceledException ? $"timed out after {_options.Timeout.TotalMilliseconds:0} ms, {StripeApiOptions.TimeoutSetting}" : ex.Message)}).", ex);
        }
    }
}

/// <summary>Stripe did not answer a read; a transient failure is worth retrying.</summary>
public sealed class StripeReadException(bool isTransient, string message, Exception? inner = null) : Exception(message, inner)
{
    public bool IsTransient { get; } = isTransient;
}
