using System.Net;
using Microsoft.Extensions.Options;
using Stripe;

namespace Scalekit.Webhooks.Stripe;

/// <summary>
/// Writes keys into a Stripe customer's metadata through Stripe.net. Keys not sent are kept by Stripe; the map is
/// checked against Stripe's limits before anything is sent. Stripe.net retries network failures, 409 and 5xx itself,
/// with an idempotency key, so a retried write is applied once.
/// </summary>
public sealed class StripeCustomerMetadata(IOptions<StripeApiOptions> options, IHttpClientFactory httpClientFactory)
{
    public const int MaxPairs = 50;
    public const int MaxKeyLength = 40;
    public const int MaxValueLength = 500;
    public const string HttpClientName = "stripe";

    private readonly StripeApiOptions _options = options.Value;

    /// <summary>Sets <paramref name="metadata"/> on the customer; throws <see cref="StripeWriteException"/> when Stripe refuses it.</summary>
    public async Task UpdateAsync(string customerId, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (!_options.IsConfigured)
        {
            throw new InvalidOperationException(_options.Problem ?? $"{StripeApiOptions.ApiKeySetting} is not set.");
        }

        if (LimitProblem(metadata) is { } problem)
        {
            throw new StripeWriteException(false, problem);
        }

        // Stripe.net escapes the id into /v1/customers/{id}, where "." and ".." would resolve to another route.
        if (!Hosting.UrlPathSegment.IsUsable(customerId))
        {
            throw new StripeWriteException(false, "The Stripe customer id is empty, '.' or '..'; nothing was sent.");
        }

        var client = new StripeClient(new StripeClientOptions
        {
            ApiKey = _options.ApiKey,
            ApiBase = _options.BaseUrl?.ToString().TrimEnd('/'),
            HttpClient = new SystemNetHttpClient(httpClientFactory.CreateClient(HttpClientName), maxNetworkRetries: 2),
        });
        try
        {
            await new CustomerService(client).UpdateAsync(customerId, new CustomerUpdateOptions { Metadata = new Dictionary<string, string>(metadata) }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (StripeException ex)
        {
            var transient = ex.HttpStatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.Conflict || (int)ex.HttpStatusCode >= 500 || ex.HttpStatusCode == 0;
            throw new StripeWriteException(transient, $"Stripe refused the customer update ({(int)ex.HttpStatusCode}{(ex.StripeError?.Code is { } code ? $" {code}" : string.Empty)}): {ex.StripeError?.Message ?? ex.Message}", ex);
        }
    }

    /// <summary>Why <paramref name="metadata"/> breaks Stripe's metadata limits, or null when it fits.</summary>
    public static string? LimitProblem(IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.Count > MaxPairs)
        {
            return $"Stripe allows {MaxPairs} metadata pairs; this update has {metadata.Count}.";
        }

        foreach (var (key, value) in metadata)
        {
            if (key.Length is 0 or > MaxKeyLength || key.Contains('[', StringComparison.Ordinal) || key.Contains(']', StringComparison.Ordinal))
            {
                return $"Stripe metadata key '{key}' must be 1 to {MaxKeyLength} characters without '[' or ']'.";
            }

            if (value.Length > MaxValueLength)
            {
                return $"Stripe metadata value of '{key}' is longer than {MaxValueLength} characters.";
            }
        }

        return null;
    }
}

/// <summary>Stripe did not take a write. Transient ones (429, 409, 5xx, network) are worth retrying.</summary>
public sealed class StripeWriteException(bool isTransient, string message, Exception? inner = null) : Exception(message, inner)
{
    public bool IsTransient { get; } = isTransient;
}
