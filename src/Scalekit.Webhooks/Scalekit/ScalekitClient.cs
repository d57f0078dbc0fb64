using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Scalekit.Webhooks.Scalekit;

/// <summary>
/// Typed client for the parts of Scalekit's REST API the billing sync uses. Transient failures are retried by the
/// resilience pipeline configured at registration; a 401 refreshes the token once.
/// </summary>
public sealed class ScalekitClient(HttpClient http, IOptions<ScalekitOptions> options, ScalekitTokenCache tokens)
{
    private readonly ScalekitOptions _options = options.Value;

    /// <summary>The organization whose <c>external_id</c> is <paramref name="externalId"/>, or null when there is none.</summary>
    public async Task<ScalekitOrganization?> FindByExternalIdAsync(string externalId, CancellationToken cancellationToken = default)
    {
        try
        {
            return await SendForOrganizationAsync(HttpMethod.Get, $"api/v1/organizations:external/{Uri.EscapeDataString(externalId)}", null, null, cancellationToken).ConfigureAwait(false);
        }
        catch (ScalekitNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The organization <paramref name="organizationId"/>, or null when it does not exist.</summary>
    public async Task<ScalekitOrganization?> GetAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        try
        {
            return await SendForOrganizationAsync(HttpMethod.Get, $"api/v1/organizations/{Uri.EscapeDataString(organizationId)}", null, null, cancellationToken).ConfigureAwait(false);
        }
        catch (ScalekitNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Replaces the organization's metadata with <paramref name="metadata"/> (Scalekit takes the whole map).
    /// <paramref name="requestKey"/> goes out as the <c>Idempotency-Key</c> header so the request can be traced to the
    /// change that caused it; Scalekit's API does not promise to honour it, so a repeat must be harmless by itself.
    /// </summary>
    public Task<ScalekitOrganization> UpdateMetadataAsync(string organizationId, IReadOnlyDictionary<string, string> metadata, string? requestKey, CancellationToken cancellationToken = default) =>
        SendForOrganizationAsync(HttpMethod.Patch, $"api/v1/organizations/{Uri.EscapeDataString(organizationId)}", new { metadata }, requestKey, cancellationToken);

    /// <summary>Turns organization features on or off (<c>PATCH /api/v1/organizations/{id}/settings</c>).</summary>
    public Task<ScalekitOrganization> UpdateFeaturesAsync(string organizationId, IReadOnlyDictionary<string, bool> features, CancellationToken cancellationToken = default) =>
        SendForOrganizationAsync(HttpMethod.Patch, $"api/v1/organizations/{Uri.EscapeDataString(organizationId)}/settings",
            new { features = features.Select(f => new { name = f.Key, enabled = f.Value }).ToArray() }, null, cancellationToken);

    private async Task<ScalekitOrganization> SendForOrganizationAsync(HttpMethod method, string path, object? body, string? requestKey, CancellationToken cancellationToken)
    {
        using var document = await SendAsync(method, path, body, requestKey, cancellationToken).ConfigureAwait(false);
        return ScalekitOrganization.FromResponse(document.RootElement);
    }

    private async Task<JsonDocument> SendAsync(HttpMethod method, string path, object? body, string? requestKey, CancellationToken cancellationToken)
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

            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 0)
            {
                // The token expired or was revoked early: fetch a new one and try once more.
                tokens.Invalidate(token);
                continue;
            }

            await ThrowIfFailedAsync(response, cancellationToken).ConfigureAwait(false);
            return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken).ConfigureAwait(false);
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
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await ThrowIfFailedAsync(response, cancellationToken).ConfigureAwait(false);
        using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken).ConfigureAwait(false);
        var root = document.RootElement;
        var lifetime = root.TryGetProperty("expires_in", out var expires) && expires.TryGetInt32(out var seconds) ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromHours(1);
        return (root.GetProperty("access_token").GetString()!, lifetime);
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
