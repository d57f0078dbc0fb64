using System.Net;
using Microsoft.Extensions.Options;
using Polly.Timeout;
using Stripe;

namespace Scalekit.Webhooks.Stripe;

/// <summary>
/// Calls Stripe's API through Stripe.net on the shared <c>stripe</c> HTTP client, against <c>STRIPE_API_BASE_URL</c>
/// when set: GETs returning the answer's JSON as text, and form POSTs with an <c>Idempotency-Key</c>. The client's
/// pipeline retries 429 (honouring Retry-After), 408, 5xx, network failures and timed-out attempts, resending the same
/// request, so a retried POST carries the same key and Stripe applies it once.
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

        try
        {
            return (await _options.CreateClient(httpClientFactory).RawRequestAsync(HttpMethod.Get, path, null, null, cancellationToken).ConfigureAwait(false)).Content;
        }
        catch (StripeException ex)
        {
            throw new StripeReadException(IsTransient(ex), $"Stripe refused to read {what} ({Describe(ex)}", ex);
        }
        catch (Exception ex) when (IsNoAnswer(ex, cancellationToken))
        {
            throw new StripeReadException(true, $"Stripe did not answer the read of {what} ({NoAnswer(ex)}).", ex);
        }
    }

    /// <summary>
    /// <c>POST <paramref name="path"/></c> with <paramref name="form"/> form-encoded and <paramref name="idempotencyKey"/>;
    /// the answer's JSON as text. Throws <see cref="StripeWriteException"/> naming <paramref name="what"/>: transient for
    /// 429, 409, 5xx, a network failure or timeout (after the pipeline's retries); permanent for another refusal.
    /// </summary>
    public async Task<string> PostFormAsync(string path, IReadOnlyList<KeyValuePair<string, string>> form, string idempotencyKey, string what, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(form);
        ArgumentException.ThrowIfNullOrEmpty(idempotencyKey);
        if (!_options.IsConfigured)
        {
            throw new StripeWriteException(false, _options.Problem ?? $"Writing {what} needs Stripe API access: {StripeApiOptions.ApiKeySetting} is not set.");
        }

        var content = string.Join('&', form.Select(pair => $"{Uri.EscapeDataString(pair.Key)}={Uri.EscapeDataString(pair.Value)}"));
        try
        {
            return (await _options.CreateClient(httpClientFactory).RawRequestAsync(HttpMethod.Post, path, content, new RawRequestOptions { IdempotencyKey = idempotencyKey }, cancellationToken).ConfigureAwait(false)).Content;
        }
        catch (StripeException ex)
        {
            throw new StripeWriteException(IsTransient(ex), $"Stripe refused to write {what} ({Describe(ex)}", ex);
        }
        catch (Exception ex) when (IsNoAnswer(ex, cancellationToken))
        {
            throw new StripeWriteException(true, $"Stripe did not answer the write of {what} ({NoAnswer(ex)}).", ex);
        }
    }

    /// <summary>Whether a refusal is worth retrying later: 429, 409, 5xx, or no status at all.</summary>
    internal static bool IsTransient(StripeException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var status = (int)ex.HttpStatusCode;
        return ex.HttpStatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.Conflict || status >= 500 || status == 0;
    }

    /// <summary>Whether <paramref name="ex"/> says Stripe did not answer (a network failure, or an attempt that timed out) rather than that the caller gave up.</summary>
    internal static bool IsNoAnswer(Exception ex, CancellationToken cancellationToken) =>
        ex is HttpRequestException or TimeoutRejectedException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private static string Describe(StripeException ex) =>
        $"{(int)ex.HttpStatusCode}{(ex.StripeError?.Code is { } code ? $" {code}" : string.Empty)}): {ex.StripeError?.Message ?? ex.Message}";

    private string NoAnswer(Exception ex) => ex is OperationCanceledException or TimeoutRejectedException
        ? $"timed out after {_options.Timeout.TotalMilliseconds:0} ms, {StripeApiOptions.TimeoutSetting}"
        : ex.Message;
}

/// <summary>Stripe did not answer a read; a transient failure is worth retrying.</summary>
public sealed class StripeReadException(bool isTransient, string message, Exception? inner = null) : Exception(message, inner)
{
    public bool IsTransient { get; } = isTransient;
}
