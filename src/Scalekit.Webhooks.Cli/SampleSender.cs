using System.Net.Http.Headers;
using System.Net;
using System.Text.Json;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Cli;

/// <summary>Builds a sample event, signs it as its sender would and posts it to the matching webhook route.</summary>
public sealed class SampleSender(HttpClient client, TimeProvider time)
{
    /// <param name="source">The sender.</param>
    /// <param name="type">The event type.</param>
    /// <param name="options">The sample's values.</param>
    /// <param name="secret">The signing secret.</param>
    /// <param name="baseUrl">The receiver.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<SendResult> SendAsync(WebhookSource source, string type, SampleOptions options, string secret, Uri baseUrl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        var body = JsonSerializer.SerializeToUtf8Bytes(source == StripeSource.Id ? StripeSamples.Create(type, options) : ScalekitSamples.Create(type, options));
        var now = time.GetUtcNow();
        var headers = source == StripeSource.Id
            ? [WebhookSigner.SignStripe(body, secret, now)]
            : WebhookSigner.SignScalekit(body, secret, SampleIds.New("msg_"), now);
        return PostAsync(new Uri(baseUrl, $"/api/webhooks/{source.Name}"), body, headers, cancellationToken);
    }

    /// <summary>Posts a delivery shaped and signed as <paramref name="connection"/>'s HR system sends it.</summary>
    public Task<SendResult> SendHrAsync(HrConnection connection, string type, SampleOptions options, string secret, Uri baseUrl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(baseUrl);
        var (route, body, headers) = HrProviderSamples.Delivery(connection, type, options, secret, time.GetUtcNow());
        return PostAsync(new Uri(baseUrl, $"/api/webhooks/{HrSource.Name}/{Uri.EscapeDataString(route)}"), body, headers, cancellationToken);
    }

    private async Task<SendResult> PostAsync(Uri url, byte[] body, IEnumerable<KeyValuePair<string, string>> headers, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return new SendResult(response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
    }
}

public sealed record SendResult(HttpStatusCode StatusCode, string Body)
{
    public bool IsSuccess => (int)StatusCode is >= 200 and < 300;
}
