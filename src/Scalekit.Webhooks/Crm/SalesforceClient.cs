using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Scalekit.Webhooks.Crm;

/// <summary>A record as Salesforce returned it, with the ETag to send back in <c>If-Match</c> (Accounts have one).</summary>
public sealed record SalesforceRecord(JsonElement Fields, string? ETag);

/// <summary>
/// Client for the parts of Salesforce's REST API the CRM sync uses: read and update records, and SOQL queries paged
/// through <c>nextRecordsUrl</c>. Each request takes the named <see cref="HttpClient"/> from
/// <see cref="IHttpClientFactory"/>, whose resilience pipeline (configured at registration) retries transient failures,
/// so the client is a singleton that never holds a handler past its rotation. A 401 <c>INVALID_SESSION_ID</c> renews
/// the token once. Every response's API usage is recorded.
/// </summary>
public sealed class SalesforceClient(IHttpClientFactory httpClients, IOptions<SalesforceOptions> options, SalesforceSession session)
{
    /// <summary>The named HTTP client (and resilience pipeline) Salesforce calls use.</summary>
    public const string HttpClientName = "salesforce";

    private readonly SalesforceOptions _options = options.Value;

    /// <summary>The API usage the newest response reported.</summary>
    public ApiUsage? LastUsage => session.LastUsage;

    /// <summary>The record, or null when it does not exist.</summary>
    public async Task<SalesforceRecord?> GetAsync(string objectType, string id, IEnumerable<string> fields, CancellationToken cancellationToken = default)
    {
        var path = $"{RecordPath(objectType, id)}?fields={Uri.EscapeDataString(string.Join(',', fields))}";
        using var response = await SendAsync(HttpMethod.Get, path, null, null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await ThrowIfFailedAsync(response, cancellationToken).ConfigureAwait(false);
        var fieldsRead = await ReadJsonAsync(response, cancellationToken).ConfigureAwait(false);
        return new SalesforceRecord(fieldsRead, response.Headers.ETag?.ToString());
    }

    /// <summary>
    /// Sends only <paramref name="fields"/>. With <paramref name="ifMatch"/> the update is refused with
    /// <see cref="SalesforceConflictException"/> when the record changed since it was read.
    /// </summary>
    public async Task UpdateAsync(string objectType, string id, IReadOnlyDictionary<string, object?> fields, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Patch, RecordPath(objectType, id), fields, ifMatch, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            throw new SalesforceConflictException($"{objectType} {id} changed since it was read");
        }

        await ThrowIfFailedAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every record the SOQL query matches, page after page.</summary>
    public async IAsyncEnumerable<JsonElement> QueryAsync(string soql, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var path = $"{DataPath}query?q={Uri.EscapeDataString(soql)}";
        while (true)
        {
            using var response = await SendAsync(HttpMethod.Get, path, null, null, cancellationToken).ConfigureAwait(false);
            await ThrowIfFailedAsync(response, cancellationToken).ConfigureAwait(false);
            var page = await ReadJsonAsync(response, cancellationToken).ConfigureAwait(false);
            if (page.ValueKind != JsonValueKind.Object || !page.TryGetProperty("records", out var records) || records.ValueKind != JsonValueKind.Array)
            {
                throw Malformed("a query page without a records array");
            }

            foreach (var record in records.EnumerateArray())
            {
                yield return record;
            }

            if (page.TryGetProperty("done", out var done) && done.ValueKind == JsonValueKind.True)
            {
                yield break;
            }

            // The next page is a path on the same instance; anything else is not followed.
            path = page.TryGetProperty("nextRecordsUrl", out var next) && next.GetString() is { } nextPath
                && nextPath.StartsWith("/services/data/", StringComparison.Ordinal)
                ? nextPath.TrimStart('/')
                : throw Malformed("a query page that is not done but has no usable nextRecordsUrl");
        }
    }

    private string DataPath => $"services/data/{_options.ApiVersion}/";

    private string RecordPath(string objectType, string id) =>
        $"{DataPath}sobjects/{Segment(objectType, "object type")}/{Segment(id, "record id")}";

    // "." and ".." survive escaping and would climb out of the record path; an empty id would name the collection.
    private static string Segment(string value, string name) => Hosting.UrlPathSegment.IsUsable(value)
        ? Uri.EscapeDataString(value)
        : throw new SalesforceApiException(HttpStatusCode.BadRequest, "INVALID_ID", $"the {name} is empty, '.' or '..'; nothing was sent");

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body, string? ifMatch, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var (token, instance) = await session.GetAsync(FetchTokenAsync, cancellationToken).ConfigureAwait(false);
            using var request = new HttpRequestMessage(method, new Uri(instance, path));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (ifMatch is not null)
            {
                request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
            }

            if (body is not null)
            {
                request.Content = JsonContent.Create(body);
            }

            var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken).ConfigureAwait(false);
            session.Record(ApiUsage.Parse(response.Headers.TryGetValues(ApiUsage.Header, out var values) ? string.Join(',', values) : null));
            if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 0)
            {
                // Salesforce tokens carry no expiry: a 401 means it lapsed or was revoked. Renew once.
                response.Dispose();
                session.Invalidate(token);
                continue;
            }

            return response;
        }
    }

    private async Task<(string Token, Uri InstanceUrl)> FetchTokenAsync(CancellationToken cancellationToken)
    {
        var myDomain = _options.InstanceUrl ?? throw new InvalidOperationException($"{SalesforceOptions.InstanceUrlSetting} is not set.");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(myDomain, "services/oauth2/token"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = _options.ClientId!,
                ["client_secret"] = _options.ClientSecret!,
            }),
        };
        using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            // The token endpoint answers OAuth errors ({"error","error_description"}), not the API's array.
            var answer = await ReadJsonOrDefaultAsync(response, cancellationToken).ConfigureAwait(false);
            var error = answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("error", out var e) ? e.GetString() : null;
            var description = answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("error_description", out var d) ? d.GetString() : null;
            throw new SalesforceApiException(response.StatusCode, error, $"token request refused: {description ?? response.ReasonPhrase ?? "no reason given"}");
        }

        var token = await ReadJsonAsync(response, cancellationToken).ConfigureAwait(false);
        if (token.ValueKind != JsonValueKind.Object
            || !token.TryGetProperty("access_token", out var access) || access.GetString() is not { Length: > 0 } value
            || !token.TryGetProperty("instance_url", out var instance) || instance.ValueKind != JsonValueKind.String
            || Hosting.ConnectionSettings.BaseUrl(instance.GetString()) is not { } instanceUrl)
        {
            throw Malformed("a token answer without access_token and instance_url");
        }

        // The token goes wherever instance_url points: only to the configured My Domain, never elsewhere.
        return IsSameOrigin(instanceUrl, myDomain)
            ? (value, instanceUrl)
            : throw new SalesforceApiException(HttpStatusCode.OK, InstanceUrlMismatch,
                $"the token answer's instance_url is not on the host of {SalesforceOptions.InstanceUrlSetting}; nothing was sent to it");
    }

    /// <summary>The error code of a token whose <c>instance_url</c> points away from the configured host.</summary>
    public const string InstanceUrlMismatch = "INSTANCE_URL_MISMATCH";

    private static bool IsSameOrigin(Uri candidate, Uri configured) =>
        candidate.Scheme == configured.Scheme && candidate.Port == configured.Port
        && string.Equals(candidate.IdnHost, configured.IdnHost, StringComparison.OrdinalIgnoreCase);

    private static async Task ThrowIfFailedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var answer = await ReadJsonOrDefaultAsync(response, cancellationToken).ConfigureAwait(false);
        var first = answer.ValueKind == JsonValueKind.Array && answer.GetArrayLength() > 0 ? answer[0] : answer;
        string? Text(string name) => first.ValueKind == JsonValueKind.Object && first.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        throw new SalesforceApiException(response.StatusCode, Text("errorCode"), Text("message") ?? response.ReasonPhrase ?? "request failed");
    }

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken).ConfigureAwait(false);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw Malformed($"an answer that is not JSON ({ex.Message})");
        }
    }

    private static async Task<JsonElement> ReadJsonOrDefaultAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadJsonAsync(response, cancellationToken).ConfigureAwait(false);
        }
        catch (SalesforceApiException)
        {
            return default;
        }
    }

    private static SalesforceApiException Malformed(string what) =>
        new(HttpStatusCode.OK, SalesforceApiException.MalformedAnswer, $"Salesforce sent {what}");
}
