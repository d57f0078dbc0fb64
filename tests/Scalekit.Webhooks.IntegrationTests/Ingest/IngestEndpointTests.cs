using System.Net;
using System.Text.Json;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.IntegrationTests.Ingest;

public class IngestEndpointTests(FixedClockHostFixture host) : IClassFixture<FixedClockHostFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => host.ClearQueuesAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Scalekit_SignedByNpmStandardWebhooks_Is201AndLandsInQueueExactly()
    {
        var body = Deliveries.ScalekitBody("organization.directory.user_created", "evt_npm_signed_1");
        var headers = await NpmSigner.StandardWebhooksAsync(body, host.ScalekitSecret, "msg_npm_1", host.Now);

        using var response = await host.Client.PostAsync("scalekit", body, headers);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var answer = await response.JsonAsync();
        Assert.Equal("evt_npm_signed_1", answer.GetProperty("event_id").GetString());
        var envelope = Assert.Single(await Envelopes(StorageNames.QueueFor(ScalekitSource.Id)));
        Assert.Equal(ScalekitSource.Id, envelope.Source);
        Assert.Equal("msg_npm_1", envelope.DeliveryId);
        Assert.Equal("evt_npm_signed_1", envelope.EventId);
        Assert.Equal("organization.directory.user_created", envelope.EventType);
        Assert.Equal(Deliveries.Now, envelope.OccurredAt);
        Assert.Equal(body, Encoding.UTF8.GetString(envelope.InlinePayload.Span));
    }

    [Fact]
    public async Task Stripe_SignedByNpmStripe_Is201AndLandsInQueue()
    {
        var body = Deliveries.StripeBody("customer.subscription.updated", "evt_npm_stripe_1");
        var headers = await NpmSigner.StripeAsync(body, host.StripeSecret, host.Now);

        using var response = await host.Client.PostAsync("stripe", body, headers);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var envelope = Assert.Single(await Envelopes(StorageNames.QueueFor(StripeSource.Id)));
        Assert.Equal("evt_npm_stripe_1", envelope.EventId);
        Assert.Equal(StripeApiVersion.Expected, envelope.ApiVersion);
        Assert.StartsWith("dlv_", envelope.DeliveryId, StringComparison.Ordinal);
        Assert.Equal(body, Encoding.UTF8.GetString(envelope.InlinePayload.Span));
        Assert.Empty(await host.PeekAllAsync(StorageNames.QueueFor(ScalekitSource.Id)));
    }

    [Fact]
    public void Kestrel_RunsHandlersOnTheThreadThatReadTheSocket()
    {
        // The handlers are asynchronous all the way; a hand-off to another thread per request and response is pure cost.
        var sockets = host.Host.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;
        Assert.True(sockets.UnsafePreferInlineScheduling);
    }

    [Fact]
    public async Task Scalekit_PreviousSecretDuringRotation_Is201()
    {
        var body = Deliveries.ScalekitBody();
        using var response = await host.Client.PostAsync("scalekit", body, Deliveries.SignScalekit(body, host.PreviousScalekitSecret));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Scalekit_TamperedBody_Is401AndNothingIsEnqueued()
    {
        var body = Deliveries.ScalekitBody();
        var headers = Deliveries.SignScalekit(body, host.ScalekitSecret);
        await AssertRejected("scalekit", body.Replace("Acme Corp", "Evil Corp", StringComparison.Ordinal), headers, 401, "invalid_signature");
    }

    [Fact]
    public async Task Scalekit_WrongSecret_Is401()
    {
        var body = Deliveries.ScalekitBody();
        await AssertRejected("scalekit", body, Deliveries.SignScalekit(body, Samples.WebhookSigner.NewScalekitSecret()), 401, "invalid_signature");
    }

    [Theory]
    [InlineData(-301, "timestamp_too_old")]
    [InlineData(301, "timestamp_too_new")]
    [InlineData(-86_400, "timestamp_too_old")]
    public async Task Scalekit_TimestampOutsideTolerance_Is401(int offsetSeconds, string reason)
    {
        var body = Deliveries.ScalekitBody();
        var headers = await NpmSigner.StandardWebhooksAsync(body, host.ScalekitSecret, "msg_skew", host.Now.AddSeconds(offsetSeconds));
        await AssertRejected("scalekit", body, headers, 401, reason);
    }

    [Theory]
    [InlineData(-301, "timestamp_too_old")]
    [InlineData(301, "timestamp_too_new")]
    public async Task Stripe_TimestampOutsideTolerance_Is401(int offsetSeconds, string reason)
    {
        var body = Deliveries.StripeBody();
        var headers = await NpmSigner.StripeAsync(body, host.StripeSecret, host.Now.AddSeconds(offsetSeconds));
        await AssertRejected("stripe", body, headers, 401, reason);
    }

    [Theory]
    [InlineData(-300)]
    [InlineData(300)]
    public async Task Scalekit_TimestampAtTheToleranceEdge_Is201(int offsetSeconds)
    {
        var body = Deliveries.ScalekitBody();
        var headers = await NpmSigner.StandardWebhooksAsync(body, host.ScalekitSecret, "msg_edge", host.Now.AddSeconds(offsetSeconds));
        using var response = await host.Client.PostAsync("scalekit", body, headers);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("webhook-id")]
    [InlineData("webhook-timestamp")]
    [InlineData("webhook-signature")]
    public async Task Scalekit_MissingHeader_Is400NamingIt(string missing)
    {
        var body = Deliveries.ScalekitBody();
        var headers = Deliveries.SignScalekit(body, host.ScalekitSecret).Where(h => h.Key != missing);
        var problem = await AssertRejected("scalekit", body, headers, 400, "missing_headers");
        Assert.Contains(missing, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stripe_MissingHeader_Is400()
    {
        await AssertRejected("stripe", Deliveries.StripeBody(), [], 400, "missing_headers");
    }

    [Fact]
    public async Task Scalekit_SignedBodyThatIsNotJson_Is400()
    {
        const string body = "this is not json";
        await AssertRejected("scalekit", body, Deliveries.SignScalekit(body, host.ScalekitSecret), 400, "body_not_json");
    }

    [Fact]
    public async Task Stripe_SignedMalformedJson_Is400()
    {
        const string body = "{\"id\":\"evt_1\",\"type\":";
        await AssertRejected("stripe", body, Deliveries.SignStripe(body, host.StripeSecret), 400, "body_not_json");
    }

    [Fact]
    public async Task Scalekit_SignedEventWithoutId_Is400()
    {
        const string body = "{\"type\":\"organization.created\",\"data\":{}}";
        await AssertRejected("scalekit", body, Deliveries.SignScalekit(body, host.ScalekitSecret), 400, "missing_event_id");
    }

    [Fact]
    public async Task Stripe_SignedEventWithoutType_Is400()
    {
        const string body = "{\"id\":\"evt_1\",\"object\":\"event\"}";
        await AssertRejected("stripe", body, Deliveries.SignStripe(body, host.StripeSecret), 400, "missing_event_type");
    }

    [Fact]
    public async Task Scalekit_BodyOverLimit_Is413()
    {
        var body = "{\"id\":\"evt_big\",\"type\":\"x\",\"pad\":\"" + new string('a', 1024 * 1024) + "\"}";
        await AssertRejected("scalekit", body, Deliveries.SignScalekit(body, host.ScalekitSecret), 413, "body_too_large");
    }

    [Fact]
    public async Task Scalekit_ChunkedBodyOverLimit_Is413WhileReading()
    {
        // No Content-Length: the limit must be enforced while the body streams in.
        var payload = Encoding.UTF8.GetBytes("{\"id\":\"evt_big\",\"type\":\"x\",\"pad\":\"" + new string('a', 2 * 1024 * 1024) + "\"}");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/scalekit") { Content = new StreamContent(new MemoryStream(payload)) };
        request.Headers.TransferEncodingChunked = true;
        foreach (var (name, value) in Deliveries.SignScalekit(Encoding.UTF8.GetString(payload), host.ScalekitSecret))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(await host.PeekAllAsync(StorageNames.QueueFor(ScalekitSource.Id)));
    }

    [Fact]
    public async Task Scalekit_200KbEvent_IsClaimCheckedAndArrivesIntact()
    {
        var padding = string.Concat(Enumerable.Range(0, 8000).Select(i => $"user-{i:D5}@acme.example,"));
        var body = Deliveries.ScalekitBody("organization.updated", "evt_large_1").Replace("\"tier\":\"gold\"", "\"tier\":\"gold\",\"members\":\"" + padding + "\"", StringComparison.Ordinal);
        Assert.InRange(body.Length, 150_000, 250_000);

        using var response = await host.Client.PostAsync("scalekit", body, Deliveries.SignScalekit(body, host.ScalekitSecret));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var envelope = Assert.Single(await Envelopes(StorageNames.QueueFor(ScalekitSource.Id)));
        Assert.NotNull(envelope.PayloadBlob);
        Assert.True(envelope.InlinePayload.IsEmpty);
        var payload = await new PayloadStore(host.Clients).LoadAsync(envelope.PayloadBlob!);
        Assert.Equal(body, Encoding.UTF8.GetString(payload.Span));
    }

    [Fact]
    public async Task Stripe_OtherApiVersion_IsAcceptedByDefaultAndKeepsItsVersion()
    {
        var body = Deliveries.StripeBody().Replace(StripeApiVersion.Expected, "2024-06-20", StringComparison.Ordinal);
        using var response = await host.Client.PostAsync("stripe", body, Deliveries.SignStripe(body, host.StripeSecret));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("2024-06-20", Assert.Single(await Envelopes(StorageNames.QueueFor(StripeSource.Id))).ApiVersion);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task WebhookRoute_WrongMethod_Is405(string method)
    {
        using var response = await host.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/api/webhooks/scalekit"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/webhooks/salesforce")]
    [InlineData("/api/webhooks/scalekit-events")]
    [InlineData("/api/webhooks/%20")]
    public async Task WebhookRoute_SourceNoProfileNames_Is404AndStoresNothing(string path)
    {
        using var response = await host.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("{}") });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        foreach (var source in EventSources.Sources)
        {
            Assert.Empty(await host.PeekAllAsync(StorageNames.QueueFor(source)));
        }
    }

    [Fact]
    public async Task WebhookRoute_EveryRegisteredSource_IsServedByItsVerifier()
    {
        // Unsigned, so each source's own verifier refuses it: the route found the profile (a missing one would be 404).
        foreach (var source in EventSources.Sources)
        {
            using var response = await host.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, Http.WebhookRequestHandler.PathOf(source)) { Content = new StringContent("{}") });
            Assert.True((int)response.StatusCode is >= 400 and < 500 and not 404 and not 405, $"{source}: {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    private async Task<JsonElement> AssertRejected(string source, string body, IEnumerable<KeyValuePair<string, string>> headers, int status, string reason)
    {
        using var response = await host.Client.PostAsync(source, body, headers);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.JsonAsync();
        Assert.Equal(reason, problem.GetProperty("reason").GetString());
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.Empty(await host.PeekAllAsync(StorageNames.QueueFor(ScalekitSource.Id)));
        Assert.Empty(await host.PeekAllAsync(StorageNames.QueueFor(StripeSource.Id)));
        return problem;
    }

    private async Task<IReadOnlyList<EventEnvelope>> Envelopes(string queue) =>
        [.. (await host.PeekAllAsync(queue)).Select(message => EnvelopeCodec.Decode(message.Body.ToMemory()))];
}
