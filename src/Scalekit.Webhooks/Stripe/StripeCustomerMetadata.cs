using System.Net;
using Microsoft.Extensions.Options;
using Stripe;

namespace Scalekit.Webhooks.Stripe;

/// <summary>
/// Writes keys into a Stripe customer's metadata through Stripe.net. Keys not sent are kept by Stripe; the map is
/// checked against Stripe's limits before anything is sent. The shared Stripe client retries network failures, 429 and
/// 5xx with the same idempotency key, so a retried write is applied once.
/// </summary>
public sealed class StripeCustomerMetadata(IOptions<StripeApiOptions> options, IHttpClientFactory httpClientFactory)
{
    public const int MaxPairs = 50;
    public const int MaxKeyLength = 40;
    public const int MaxValueLength = 500;
    public const string HttpClientName = "stripe";

    /// <summary>The customer metadata key that names the customer's Scalekit organization (onboarding writes it).</summary>
    public const string OrganizationKey = "scalekit_org_id";

    private readonly StripeApiOptions _options = options.Value;

    /// <summary>
    /// The organization the customer's metadata names (<see cref="OrganizationKey"/>), or null
    /// when it names none or the customer does not exist (the write then says so).
    /// </summary>
    public async Task<string?> FindOrganizationIdAsync(string customerId, CancellationToken cancellationToken = default)
    {
        if (!Hosting.UrlPathSegment.IsUsable(customerId))
        {
            return null;
        }

        try
        {
            var customer = await new CustomerService(Client()).GetAsync(customerId, cancellationToken: cancellationToken).ConfigureAwait(false);
            return customer.Metadata is { } metadata && metadata.TryGetValue(OrganizationKey, out var organizationId) && !string.IsNullOrWhiteSpace(organizationId)
                ? organizationId
                : null;
        }
        catch (StripeException ex) when (ex.HttpStatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (StripeException ex)
        {
            throw Failure(ex, "read");
        }
    }

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

        try
        {
            // The key stays the same across the client pipeline's retries of this call, as Stripe.net's own key did.
            await new CustomerService(Client()).UpdateAsync(
                customerId,
                new CustomerUpdateOptions { Metadata = new Dictionary<string, string>(metadata) },
                new RequestOptions { IdempotencyKey = Guid.NewGuid().ToString("N") },
                cancellationToken).ConfigureAwait(false);
        }
        catch (StripeException ex)
        {
            throw Failure(ex, "update");
        }
    }

    private StripeClient Client()
    {
        if (!_options.IsConfigured)
        {
            throw new InvalidOperationException(_options.Problem ?? $"{StripeApiOptions.ApiKeySetting} is not set.");
        }

        return _options.CreateClient(httpClientFactory);
    }

    private static StripeWriteException Failure(StripeException ex, string what)
    {
        var transient = ex.HttpStatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.Conflict || (int)ex.HttpStatusCode >= 500 || ex.HttpStatusCode == 0;
        return new StripeWriteException(transient, $"Stripe refused the customer {what} ({(int)ex.HttpStatusCode}{(ex.StripeError?.Code is { } code ? $" {code}" : string.Empty)}): {ex.StripeError?.Message ?? ex.Message}", ex);
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
