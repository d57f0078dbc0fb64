using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;


namespace Scalekit.Webhooks.ScalekitApi;

/// <summary>
/// What every Scalekit client shares: one named <see cref="HttpClient"/> from <see cref="IHttpClientFactory"/> with
/// the resilience pipeline configured at registration (transient failures retried, circuit breaker, attempt timeout),
/// the process-wide token cache, a token refresh on the first 401, and Scalekit's error body turned into
/// <see cref="ScalekitApiException"/>. The clients are singletons: each request takes a client from the factory, so
/// handlers rotate as the factory intends.
/// </summary>
public abstract class ScalekitApiClient(IHttpClientFactory httpClients, IOptions<ScalekitOptions> options, ScalekitTokenCache tokens)
{
    /// <summary>The named HTTP client (and resilience pipeline) every Scalekit client uses.</summary>
    public const string HttpClientName = "scalekit";

    private readonly ScalekitOptions _options = options.Value;

    /// <summary>
    /// <paramref name="id"/> escaped as one URL path segment; an empty id, <c>.</c> or <c>..</c> (which would resolve to
    /// another route, e.g. <c>organizations/../users</c> to <c>users</c>) is refused as a permanent 400 before anything is sent.
    /// </summary>
    protected static string Segment(string id, string name) => Hosting.UrlPathSegment.IsUsable(id)
        ? Uri.EscapeDataString(id)
        : throw new ScalekitApiException(HttpStatusCode.BadRequest, null, $"{name} is empty, '.' or '..'; nothing was sent");

    /// <summary>Sends one request to <c>{SCALEKIT_ENVIRONMENT_URL}/{path}</c>; an empty 2xx body reads as <c>{}</c>.</summary>
    protected Task<JsonDocument> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken) =>
        SendAsync(method, path, body, null, cancellationToken);

    /// <summary>As <see cref="SendAsync(HttpMethod, string, object?, CancellationToken)"/>, with <paramref name="requestKey"/> as the <c>Idempotency-Key</c> header.</summary>
    protected async Task<JsonDocument> SendAsync(HttpMethod method, string path, object? body, string? requestKey, CancellationToken cancellationToken)
    {
        var baseUrl = _options.EnvironmentUrl ?? throw new InvalidOperationException($"{ScalekitOptions.EnvironmentUrlSetting} is not set.");
        for (var attempt = 0; ; attempt++)
        {
            var token = await tokens.GetAsync(FetchTokenAsync, _options.TokenRefreshMargin, cancellationToken).ConfigureAwait(false);
            using var request = new HttpRequestMessage(method, new Uri(baseUrl, path));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (requestKey is not null)
            {
                request.Headers.TryAddWithoutValidation("Idempotency-Key", requestKey);
            }

            if (body is not null)
            {
                request.Content = JsonContent.Create(body);
            }

            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 0)
            {
                // The token expired or was revoked early: fetch a new one and try once more.
                tokens.Invalidate(token);
                continue;
            }

            await ThrowIfFailedAsync(response, cancellationToken).ConfigureAwait(false);
            var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            return Parse(answer.Length == 0 ? "{}"u8.ToArray() : answer);
        }
    }

    private async Task<(string Token, TimeSpan Lifetime)> FetchTokenAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_options.EnvironmentUrl!, "oauth/token"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = _options.ClientId!,
                ["client_secret"] = _options.ClientSecret!,
            }),
        };
        using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken).ConfigureAwait(false);
        await ThrowIfFailedAsync(response, cancellationToken).ConfigureAwait(false);
        using var document = Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("access_token", out var token) || token.ValueKind != JsonValueKind.String)
        {
            throw new ScalekitMalformedAnswerException("the token answer has no access_token");
        }

        var lifetime = root.TryGetProperty("expires_in", out var expires) && expires.ValueKind == JsonValueKind.Number && expires.TryGetInt32(out var seconds) ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromHours(1);
        return (token.GetString()!, lifetime);
    }

    private static JsonDocument Parse(byte[] answer)
    {
        try
        {
            return JsonDocument.Parse(answer);
        }
        catch (JsonException ex)
        {
            throw new ScalekitMalformedAnswerException($"it is not JSON ({ex.Message})");
        }
    }

    private static async Task ThrowIfFailedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        int? code = null;
        var message = response.ReasonPhrase ?? "request failed";
        try
        {
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                code = document.RootElement.TryGetProperty("code", out var c) && c.TryGetInt32(out var value) ? value : null;
                message = document.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : message;
            }
        }
        catch (JsonException)
        {
            // Not a google.rpc.Status body; the status code says enough.
        }

        throw response.StatusCode == HttpStatusCode.NotFound
            ? new ScalekitNotFoundException(code, message)
            : new ScalekitApiException(response.StatusCode, code, message);
    }
}
