using System.Net;
using System.Text.Json;

namespace Scalekit.Webhooks.Cli;

/// <summary>What the operations API answered: the status and the JSON body.</summary>
public sealed record OpsAnswer(HttpStatusCode StatusCode, JsonElement Body)
{
    public bool IsSuccess => (int)StatusCode is >= 200 and < 300;
}

/// <summary>Calls the operations API with the operations key in <c>x-functions-key</c>.</summary>
public sealed class OpsClient(HttpClient http, Uri baseUrl, string key)
{
    public Task<OpsAnswer> GetAsync(string pathAndQuery, CancellationToken cancellationToken = default) => SendAsync(HttpMethod.Get, pathAndQuery, cancellationToken);

    public Task<OpsAnswer> PostAsync(string pathAndQuery, CancellationToken cancellationToken = default) => SendAsync(HttpMethod.Post, pathAndQuery, cancellationToken);

    public Task<OpsAnswer> DeleteAsync(string pathAndQuery, CancellationToken cancellationToken = default) => SendAsync(HttpMethod.Delete, pathAndQuery, cancellationToken);

    /// <summary>Posts <paramref name="json"/> as the request body.</summary>
    public Task<OpsAnswer> PostJsonAsync(string pathAndQuery, string json, CancellationToken cancellationToken = default) => SendAsync(HttpMethod.Post, pathAndQuery, cancellationToken, json);

    private async Task<OpsAnswer> SendAsync(HttpMethod method, string pathAndQuery, CancellationToken cancellationToken, string? json = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(baseUrl, "/api/" + pathAndQuery));
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        request.Headers.TryAddWithoutValidation("x-functions-key", key);
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        JsonElement body;
        try
        {
            body = string.IsNullOrWhiteSpace(text) ? default : JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            body = JsonSerializer.SerializeToElement(new { detail = text });
        }

        return new OpsAnswer(response.StatusCode, body);
    }
}
