using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;
using Stripe;

namespace Scalekit.Webhooks.Stripe;

/// <summary>Access to Stripe's API, used to write the Scalekit ids onto a Stripe customer. Without a key that step is skipped.</summary>
public sealed class StripeApiOptions : IIntegrationSettings
{
    public const string ApiKeySetting = "STRIPE_API_KEY";
    public const string BaseUrlSetting = "STRIPE_API_BASE_URL";
    public const string TimeoutSetting = "STRIPE_API_TIMEOUT_MS";

    /// <summary>A secret (<c>sk_…</c>) or restricted (<c>rk_…</c>) key with write access to customers.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Where Stripe's API is; only set to point at a stand-in. Default Stripe's own.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>Longest time for one HTTP attempt (the shared Stripe client retries a timed-out attempt twice). Default 30 s.</summary>
    [SettingRange(TimeoutSetting, 100, 300000, TimeUnit.Milliseconds)]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Why Stripe API access is off although its settings are given; null when it is fully set or absent.</summary>
    public string? Problem { get; set; }

    public bool IsConfigured => Problem is null && !string.IsNullOrEmpty(ApiKey);

    /// <summary>Retries of one call (429 honouring Retry-After, 408, 5xx, a network failure or a timed-out attempt), shared by every Stripe call.</summary>
    public const int MaxRetries = 2;

    /// <summary>The first retry's delay when Stripe names none; it doubles (with jitter) after that.</summary>
    public static readonly TimeSpan RetryBaseDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// A Stripe.net client on the shared <c>stripe</c> HTTP client, whose resilience pipeline does the retries (the
    /// same request, so the same <c>Idempotency-Key</c>); Stripe.net's own retries are off so a call is not retried twice over.
    /// </summary>
    internal StripeClient CreateClient(IHttpClientFactory httpClientFactory)
    {
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        return new StripeClient(new StripeClientOptions
        {
            ApiKey = ApiKey,
            ApiBase = BaseUrl?.ToString().TrimEnd('/'),
            HttpClient = new SystemNetHttpClient(httpClientFactory.CreateClient(StripeCustomerMetadata.HttpClientName), maxNetworkRetries: 0),
        });
    }

    internal static void Bind(StripeApiOptions options, IConfiguration configuration)
    {
        var key = configuration[ApiKeySetting]?.Trim();
        var baseUrl = configuration[BaseUrlSetting]?.Trim();
        options.ApiKey = string.IsNullOrEmpty(key) ? null : key;
        options.BaseUrl = ConnectionSettings.BaseUrl(baseUrl);
        options.Timeout = SettingValue.Duration(configuration, TimeoutSetting, options.Timeout, TimeUnit.Milliseconds);
        options.Problem = ConnectionSettings.IsUnresolvedKeyVaultReference(key)
            ? $"Stripe API access is off: {ApiKeySetting} holds a Key Vault reference that has not been resolved."
            : options.ApiKey is not null && !options.ApiKey.StartsWith("sk_", StringComparison.Ordinal) && !options.ApiKey.StartsWith("rk_", StringComparison.Ordinal)
                ? $"Stripe API access is off: {ApiKeySetting} must be a secret (sk_…) or restricted (rk_…) key."
                : !string.IsNullOrEmpty(baseUrl) && options.BaseUrl is null
                    ? $"Stripe API access is off: {BaseUrlSetting} is not an absolute http(s) URL."
                    : null;
    }
}

[OptionsValidator]
internal sealed partial class StripeApiOptionsValidator : IValidateOptions<StripeApiOptions>;
