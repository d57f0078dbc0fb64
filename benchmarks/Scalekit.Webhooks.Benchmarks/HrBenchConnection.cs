using System.Net.Http.Headers;
using System.Text.Json;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Testing;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>
/// The processing benchmark's HR connection: a generic connection in the host's settings
/// (<c>HR_CONNECTIONS__bench__*</c>), its employee updates signed with its secret and posted to its route, so the HR
/// consumer works them as it works a customer's (an event queued without a connection is parked, not synced).
/// </summary>
internal sealed class HrBenchConnection(string organizationId)
{
    public const string Id = "bench";

    private readonly string _secret = WebhookSigner.NewScalekitSecret();

    public string OrganizationId => organizationId;

    public IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new($"{HrConnection.Section}:{Id}:{HrConnection.OrganizationSetting}", organizationId),
        new($"{HrConnection.Section}:{Id}:{HrConnection.SecretSetting}", _secret),
    ];

    /// <summary>The Scalekit external id the sync gives <paramref name="employeeId"/> of this connection.</summary>
    public static string ExternalId(string employeeId) => HrExternalId.For(Id, employeeId);

    /// <summary>Posts one signed <c>employee.updated</c> per sample, 16 at a time; throws unless each is answered 201.</summary>
    public async Task PostUpdatesAsync(Uri baseAddress, IReadOnlyList<SampleOptions> samples)
    {
        using var http = new HttpClient { BaseAddress = baseAddress };
        var path = new Uri($"/api/webhooks/{HrSource.Name}/{Id}", UriKind.Relative);
        await Concurrently.ForEachIndexAsync(0, samples.Count, workers: 16, async (_, i) =>
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(HrSamples.Create("employee.updated", samples[i]));
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            foreach (var (name, value) in WebhookSigner.SignScalekit(body, _secret, "msg_" + samples[i].EventId, TimeProvider.System.GetUtcNow()))
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            using var response = await http.SendAsync(request);
            if ((int)response.StatusCode != 201)
            {
                throw new InvalidOperationException($"The HR connection's route answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
        });
    }
}
