using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Scalekit.Webhooks.Http;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;
using Scalekit.Webhooks.Stripe.Recovery;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Scalekit.Webhooks.IntegrationTests.Recovery;

/// <summary>A host (queue triggers off, so each test works the queues itself) whose Stripe API is a WireMock stand-in; older API versions are refused.</summary>
public sealed class StripeRecoveryFixture : LocalHostFixture, IDisposable
{
    public WireMockServer Stripe { get; } = WireMockServer.Start();

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["STRIPE_API_KEY"] = "sk_test_recovery",
        ["STRIPE_API_BASE_URL"] = Stripe.Url,
        ["STRIPE_API_TIMEOUT_MS"] = "500",
        ["STRIPE_API_VERSION_MISMATCH"] = "reject",
    };

    public void Dispose()
    {
        Stripe.Stop();
        Stripe.Dispose();
    }
}

/// <summary>Recovery of missed Stripe events through the operations API, the stripe-reconcile queue and the event queue, against WireMock Stripe and Azurite.</summary>
public sealed class StripeRecoveryTests(StripeRecoveryFixture host) : IClassFixture<StripeRecoveryFixture>, IAsyncLifetime
{
    private const string EventsPath = "/v1/events";

    private StripeEventRecovery Recovery => host.Host.Services.GetRequiredService<StripeEventRecovery>();

    private EventLedgerQueries Ledger => host.Host.Services.GetRequiredService<EventLedgerQueries>();

    public async Task InitializeAsync()
    {
        host.Stripe.Reset();
        await host.ClearQueuesAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ThreePages_SkipsKnownEvents_QueuesTheRestRecovered_AndASecondRunQueuesNothing()
    {
        // Checkout sessions settle without an organization, so every one ends processed.
        var events = Enumerable.Range(0, 7).Select(_ => Event("checkout.session.completed")).ToList();
        // The first event reached the receiver as a webhook; the other six were missed.
        using (var delivered = await host.Client.PostAsync("stripe", events[0].ToJsonString(), Deliveries.SignStripe(events[0].ToJsonString(), host.StripeSecret)))
        {
            Assert.Equal(HttpStatusCode.Created, delivered.StatusCode);
        }

        await ProcessEventsAsync();
        ListsInPages(events, 3);

        var first = await ReconcileAsync();
        Assert.Equal("completed", first.GetProperty("state").GetString());
        Assert.Equal(7, first.GetProperty("listed").GetInt32());
        Assert.Equal(1, first.GetProperty("already_known").GetInt32());
        Assert.Equal(6, first.GetProperty("queued").GetInt32());
        Assert.Equal(0, first.GetProperty("failed").GetInt32());
        Assert.Equal(3, first.GetProperty("pages").GetInt32());

        var calls = host.Stripe.LogEntries.Select(e => e.RequestMessage).Where(r => r.Path == EventsPath).ToList();
        Assert.Equal(3, calls.Count);
        Assert.All(calls, call => Assert.Equal("Bearer sk_test_recovery", call.Headers!["Authorization"].Single()));
        Assert.Equal([null, Id(events[2]), Id(events[5])], calls.Select(c => c.Query!.TryGetValue("starting_after", out var v) ? v.Single() : null));
        // The stand-in keeps query keys as sent (types%5B%5D).
        Assert.All(calls, call => Assert.Contains("checkout.session.completed", call.Query!.Single(q => Uri.UnescapeDataString(q.Key) == "types[]").Value));
        Assert.All(calls, call => Assert.Equal("100", call.Query!["limit"].Single()));

        var queued = await host.PeekAllAsync(StorageNames.QueueFor(StripeSource.Id));
        Assert.Equal(6, queued.Count);
        Assert.All(queued, message => Assert.StartsWith("rcv_", JsonNode.Parse(message.Body.ToString())!["delivery_id"]!.GetValue<string>(), StringComparison.Ordinal));
        await ProcessEventsAsync();

        foreach (var recovered in events.Skip(1))
        {
            var entry = await Ledger.FindAsync(StripeSource.Id, Id(recovered));
            Assert.NotNull(entry);
            Assert.Equal("recovered", entry.Delivery);
            Assert.True(entry.Status!.Value.IsFinal(), $"{entry.EventId} is {entry.StatusName}");
        }

        Assert.Equal("webhook", (await Ledger.FindAsync(StripeSource.Id, Id(events[0])))!.Delivery);
        using (var shown = await host.OpsAsync(HttpMethod.Get, $"/api/ops/events/stripe/{Id(events[1])}"))
        {
            Assert.Equal("recovered", (await shown.JsonAsync()).GetProperty("delivery").GetString());
        }

        var second = await ReconcileAsync();
        Assert.Equal("completed", second.GetProperty("state").GetString());
        Assert.Equal(7, second.GetProperty("already_known").GetInt32());
        Assert.Equal(0, second.GetProperty("queued").GetInt32());
        Assert.Empty(await host.PeekAllAsync(StorageNames.QueueFor(StripeSource.Id)));

        using var audit = await host.OpsAsync(HttpMethod.Get, "/api/ops/audit");
        Assert.Contains((await audit.JsonAsync()).GetProperty("items").EnumerateArray(), entry => entry.GetProperty("action").GetString() == "reconcile");
    }

    [Fact]
    public async Task ARecoveredEventSentTwice_IsAppliedOnce()
    {
        var missed = Event("checkout.session.completed");
        ListsInPages([missed], 1);
        await ReconcileAsync();
        // A crash after sending the page but before recording it: the page is worked again before the event is processed.
        var again = await Recovery.StartAsync(Deliveries.Now.AddMinutes(-10), "ops");
        await WorkRunAsync(again.Run!.Id);

        var copies = await host.PeekAllAsync(StorageNames.QueueFor(StripeSource.Id));
        Assert.Equal(2, copies.Count);
        await ProcessEventsAsync();

        var entry = await Ledger.FindAsync(StripeSource.Id, Id(missed));
        Assert.NotNull(entry);
        Assert.Equal(ProcessingStatus.Processed, entry.Status);
        Assert.Equal(1, entry.Attempts);
        Assert.Equal("recovered", entry.Delivery);
    }

    [Theory]
    [InlineData("""{"since":"2020-01-01T00:00:00Z"}""", "30 days")]
    [InlineData("""{"since":"2999-01-01T00:00:00Z"}""", "future")]
    [InlineData("""{"since":"2026-12-01"}""", "ISO 8601")]
    [InlineData("""{"since":12}""", "ISO 8601")]
    [InlineData("""{}""", "ISO 8601")]
    [InlineData("""not json""", "JSON object")]
    public async Task ABadSince_Is400_NamingTheField(string body, string detail)
    {
        using var response = await PostAsync(body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Equal("since", problem.GetProperty("field").GetString());
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await host.PeekAllAsync(StorageNames.StripeRecoveryQueue));
    }

    [Fact]
    public async Task TheHandler_AnswersNoStore_AsTheFunctionsAppCallsIt_WithoutTheLocalRouteFilter()
    {
        var context = new DefaultHttpContext { Response = { Body = new MemoryStream() } };

        await host.Host.Services.GetRequiredService<RecoveryRequestHandler>().StatusAsync(context, "rec_nope");

        Assert.Equal(404, context.Response.StatusCode);
        Assert.Equal(OpsResponseHeaders.CacheControl, context.Response.Headers.CacheControl.ToString());
    }

    [Fact]
    public async Task TheRoutes_NeedTheOperationsKey()
    {
        using var response = await host.OpsAsync(HttpMethod.Post, "/api/ops/reconcile/stripe", key: null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var status = await host.OpsAsync(HttpMethod.Get, "/api/ops/reconcile/rec_nope");
        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    [InlineData(0)]
    public async Task AFailedPage_IsRetriedByTheQueue_AndNothingIsLost(int failure)
    {
        var events = Enumerable.Range(0, 4).Select(_ => Event("invoice.paid")).ToList();
        ListsInPages(events, 2);
        // The second page fails once (0: it answers too late), then answers.
        var secondPage = Request.Create().WithPath(EventsPath).UsingGet().WithParam("starting_after", Id(events[1]));
        var failing = failure == 0
            ? Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(Page(events[2..], false)).WithDelay(TimeSpan.FromSeconds(3))
            : Response.Create().WithStatusCode(failure).WithBodyAsJson(new { error = new { type = "api_error", message = "try later" } });
        host.Stripe.Given(secondPage).InScenario("flaky").WillSetStateTo("answered").AtPriority(0).RespondWith(failing);
        host.Stripe.Given(secondPage).InScenario("flaky").WhenStateIs("answered").AtPriority(0).RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(Page(events[2..], false)));

        var run = await ReconcileAsync();
        Assert.Equal("completed", run.GetProperty("state").GetString());
        Assert.Equal(4, run.GetProperty("queued").GetInt32());
        Assert.Equal(4, (await host.PeekAllAsync(StorageNames.QueueFor(StripeSource.Id))).Count);
    }

    [Fact]
    public async Task AnAnswerThatIsNoEventList_FailsTheRun_WithAClearError()
    {
        host.Stripe.Given(Request.Create().WithPath(EventsPath).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("""{"object":"list","data":"nope"}"""));

        var run = await ReconcileAsync();
        Assert.Equal("failed", run.GetProperty("state").GetString());
        Assert.Contains("cannot be read", run.GetProperty("last_error").GetString(), StringComparison.Ordinal);
        Assert.Empty(await host.PeekAllAsync(StorageNames.QueueFor(StripeSource.Id)));
    }

    [Fact]
    public async Task AnEventInAnOlderApiVersion_GoesThroughTheVersionPolicy()
    {
        var current = Event("customer.subscription.updated");
        var older = Event("customer.subscription.updated");
        older["api_version"] = "2024-06-20.acacia";
        ListsInPages([current, older], 1);

        var run = await ReconcileAsync();
        Assert.Equal("completed", run.GetProperty("state").GetString());
        Assert.Equal(1, run.GetProperty("queued").GetInt32());
        Assert.Equal(1, run.GetProperty("failed").GetInt32());
        Assert.Contains("api_version", run.GetProperty("last_error").GetString(), StringComparison.Ordinal);
        Assert.Contains("STRIPE_API_VERSION_MISMATCH", run.GetProperty("last_error").GetString(), StringComparison.Ordinal);
    }

    private static JsonObject Event(string type) =>
        StripeSamples.Create(type, new SampleOptions { OccurredAt = Deliveries.Now.AddMinutes(-5), EventId = SampleIds.New("evt_"), ExternalId = SampleIds.New("cus_") });

    private static string Id(JsonObject stripeEvent) => stripeEvent["id"]!.GetValue<string>();

    /// <summary>A list answer as Stripe sends it (serialized here: the stand-in's own serializer does not know JSON nodes).</summary>
    private static string Page(IEnumerable<JsonObject> events, bool hasMore) => new JsonObject
    {
        ["object"] = "list",
        ["url"] = EventsPath,
        ["has_more"] = hasMore,
        ["data"] = new JsonArray([.. events.Select(e => e.DeepClone())]),
    }.ToJsonString();

    /// <summary>Stripe lists <paramref name="events"/> newest first, <paramref name="perPage"/> to a page, following <c>starting_after</c>.</summary>
    private void ListsInPages(List<JsonObject> events, int perPage)
    {
        for (var start = 0; start < events.Count; start += perPage)
        {
            var request = Request.Create().WithPath(EventsPath).UsingGet();
            request = start == 0 ? request : request.WithParam("starting_after", Id(events[start - 1]));
            var page = events.Skip(start).Take(perPage);
            host.Stripe.Given(request).AtPriority(start == 0 ? 10 : 1)
                .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(Page(page, start + perPage < events.Count)));
        }
    }

    private async Task<HttpResponseMessage> PostAsync(string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ops/reconcile/stripe") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("x-functions-key", host.OpsKey);
        return await host.Client.SendAsync(request);
    }

    /// <summary>Starts a recovery over the last 10 minutes through the operations API, works its queue, and returns its final status.</summary>
    private async Task<JsonElement> ReconcileAsync()
    {
        using var response = await PostAsync(JsonSerializer.Serialize(new { since = Deliveries.Now.AddMinutes(-10) }));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var started = await response.JsonAsync();
        var id = started.GetProperty("id").GetString()!;
        Assert.Equal($"/api/ops/reconcile/{id}", response.Headers.Location!.OriginalString);
        await WorkRunAsync(id);
        using var status = await host.OpsAsync(HttpMethod.Get, $"/api/ops/reconcile/{id}");
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        return await status.JsonAsync();
    }

    /// <summary>Works the run's stripe-reconcile messages as the queue trigger would, a failed one being retried.</summary>
    private async Task WorkRunAsync(string id)
    {
        var queue = host.Queue(StorageNames.StripeRecoveryQueue);
        for (var handled = 0; handled < 20; handled++)
        {
            var received = (await queue.ReceiveMessageAsync(TimeSpan.FromSeconds(1))).Value;
            if (received is null)
            {
                Assert.True((await Recovery.GetAsync(id))!.State is RecoveryState.Completed or RecoveryState.Failed, "the run's queue is empty but the run is not finished");
                return;
            }

            Assert.Equal(id, JsonNode.Parse(received.Body.ToString())!["reconcile_id"]!.GetValue<string>());
            try
            {
                await Recovery.HandleAsync(received.Body);
                await queue.DeleteMessageAsync(received.MessageId, received.PopReceipt);
            }
            catch (StripeReadException)
            {
                // Left in the queue: it comes back once its visibility lapses, as the trigger's retry would.
                await Task.Delay(TimeSpan.FromSeconds(1.1));
            }
        }

        Assert.Fail($"run {id} did not finish");
    }

    /// <summary>Processes every message in the Stripe event queue as the queue trigger would.</summary>
    private async Task ProcessEventsAsync()
    {
        var queue = host.Queue(StorageNames.QueueFor(StripeSource.Id));
        var consumer = host.Host.Services.GetRequiredService<EventConsumer>();
        while ((await queue.ReceiveMessageAsync()).Value is { } message)
        {
            await consumer.HandleDeliveryAsync(message);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
        }
    }
}

/// <summary>Without Stripe API access the route says which setting is missing, and nothing else is affected.</summary>
public sealed class UnconfiguredStripeRecoveryTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    [Fact]
    public async Task WithoutAnApiKey_TheRouteIs503_NamingTheSetting()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ops/reconcile/stripe") { Content = JsonContent.Create(new { since = Deliveries.Now.AddDays(-1) }) };
        request.Headers.TryAddWithoutValidation("x-functions-key", host.OpsKey);
        using var response = await host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("STRIPE_API_KEY", (await response.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await host.PeekAllAsync(StorageNames.StripeRecoveryQueue));
    }
}
