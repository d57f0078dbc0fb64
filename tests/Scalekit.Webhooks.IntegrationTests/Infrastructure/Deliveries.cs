using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Scalekit.Webhooks.Samples;

namespace Scalekit.Webhooks.IntegrationTests.Infrastructure;

/// <summary>Builds and posts deliveries the way the senders do.</summary>
public static class Deliveries
{
    /// <summary>
    /// When the test run started, to the second: the time events say they happened. Signatures are made at the current
    /// time instead, since the hosts refuse a signature older than their tolerance and a run can outlast it.
    /// </summary>
    public static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds());

    /// <summary>The time signatures carry when a test names none.</summary>
    public static DateTimeOffset SigningTime => TimeProvider.System.GetUtcNow();

    public static string ScalekitBody(string type = "organization.created", string? eventId = null) =>
        JsonSerializer.Serialize(ScalekitSamples.Create(type, new SampleOptions { OccurredAt = Now, EventId = eventId ?? SampleIds.New("evt_") }));

    public static string StripeBody(string type = "customer.subscription.updated", string? eventId = null) =>
        JsonSerializer.Serialize(StripeSamples.Create(type, new SampleOptions { OccurredAt = Now, EventId = eventId ?? SampleIds.New("evt_") }));

    public static string HrBody(string type = "employee.hired", SampleOptions? options = null) =>
        HrSamples.Create(type, options ?? new SampleOptions { OccurredAt = Now }).ToJsonString();

    /// <summary>HR deliveries are signed with Standard Webhooks, like Scalekit's; by default at the current time, for hosts on the system clock.</summary>
    public static IEnumerable<KeyValuePair<string, string>> SignHr(string body, string secret, DateTimeOffset? at = null) =>
        WebhookSigner.SignScalekit(Encoding.UTF8.GetBytes(body), secret, SampleIds.New("msg_"), at ?? SigningTime);

    public static IEnumerable<KeyValuePair<string, string>> SignScalekit(string body, string secret, DateTimeOffset? at = null, string? webhookId = null) =>
        WebhookSigner.SignScalekit(Encoding.UTF8.GetBytes(body), secret, webhookId ?? SampleIds.New("msg_"), at ?? SigningTime);

    public static IEnumerable<KeyValuePair<string, string>> SignStripe(string body, string secret, DateTimeOffset? at = null) =>
        [WebhookSigner.SignStripe(Encoding.UTF8.GetBytes(body), secret, at ?? SigningTime)];

    public static Task<HttpResponseMessage> PostAsync(this HttpClient client, string source, string body, IEnumerable<KeyValuePair<string, string>> headers) =>
        client.PostAsync(source, Encoding.UTF8.GetBytes(body), headers);

    public static async Task<HttpResponseMessage> PostAsync(this HttpClient client, string source, byte[] body, IEnumerable<KeyValuePair<string, string>> headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/webhooks/{source}") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await client.SendAsync(request);
    }

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
}
