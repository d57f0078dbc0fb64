using System.Net;
using System.Text.Json.Nodes;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Scalekit.Webhooks.Hosting.Local;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;
using WireMock.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Scalekit.Webhooks.IntegrationTests.Processing;

/// <summary>A host (queue triggers off) whose Scalekit API is a WireMock stand-in.</summary>
public class ScalekitStandInFixture : LocalHostFixture
{
    public const string PlanMapJson = "{\"pro_monthly\":{\"plan\":\"pro\",\"features\":[\"sso\",\"dir_sync\"]},\"starter_monthly\":{\"plan\":\"starter\",\"features\":[]},\"enterprise_yearly\":{\"plan\":\"enterprise\",\"features\":[\"sso\",\"dir_sync\"]}}";

    public WireMockServer Scalekit { get; } = WireMockServer.Start();

    protected override IReadOnlyDictionary<string, string?> ExtraSettings
    {
        get
        {
            var settings = new Dictionary<string, string?>
            {
                ["SCALEKIT_ENVIRONMENT_URL"] = Scalekit.Url,
                ["SCALEKIT_CLIENT_ID"] = "skc_test_client",
                ["SCALEKIT_CLIENT_SECRET"] = "test-client-secret",
                ["SCALEKIT_RETRY_BASE_DELAY_MS"] = "10",
                ["BILLING_PLAN_MAP"] = PlanMapJson,
            };
            foreach (var (key, value) in MoreSettings)
            {
                settings[key] = value;
            }

            return settings;
        }
    }

    /// <summary>Settings a subclass adds (a metadata mode, a late-link window).</summary>
    protected virtual IReadOnlyDictionary<string, string?> MoreSettings => new Dictionary<string, string?>();
}

/// <summary>Stubs and helpers shared by the billing tests; each test class gets its own host, so circuit-breaker state never leaks between classes.</summary>
public abstract class BillingTestBase(ScalekitStandInFixture host) : IAsyncLifetime
{
    /// <summary>WireMock tries lower priorities first; the default stubs yield to a test's own (priority 0 or 1).</summary>
    private const int Fallback = 100;

    protected ScalekitStandInFixture Fixture => host;

    protected WireMockServer Api => host.Scalekit;

    public virtual async Task InitializeAsync()
    {
        Api.Reset();
        await host.ClearQueuesAsync();
        Api.Given(Request.Create().WithPath("/oauth/token").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { access_token = "token-1", token_type = "Bearer", expires_in = 86399 }));
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected EventConsumer Consumer => host.Host.Services.GetRequiredService<EventConsumer>();

    protected List<ILogEntry> Requests(string method, string path) =>
        [.. Api.LogEntries.Where(e => e.RequestMessage.Method == method && e.RequestMessage.Path == path).OrderBy(e => e.RequestMessage.DateTime)];

    protected void StubLookup(string customer, string org, Dictionary<string, string> metadata, Dictionary<string, bool>? features = null)
    {
        var body = Organization(org, customer, metadata, features ?? new() { ["sso"] = false, ["dir_sync"] = false });
        Api.Given(Request.Create().WithPath($"/api/v1/organizations:external/{customer}").UsingGet()).AtPriority(Fallback).RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(body));
        Api.Given(Request.Create().WithPath($"/api/v1/organizations/{org}").UsingGet()).AtPriority(Fallback).RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(body));
    }

    protected void StubPatches(string org)
    {
        var body = Organization(org, null, [], []);
        Api.Given(Request.Create().WithPath($"/api/v1/organizations/{org}").UsingPatch()).AtPriority(Fallback).RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(body));
        Api.Given(Request.Create().WithPath($"/api/v1/organizations/{org}/settings").UsingPatch()).AtPriority(Fallback).RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(body));
    }

    private static object Organization(string org, string? customer, Dictionary<string, string> metadata, Dictionary<string, bool> features) => new
    {
        organization = new
        {
            id = org,
            display_name = "Acme",
            external_id = customer,
            metadata,
            settings = new { features = features.Select(f => new { name = f.Key, enabled = f.Value }).ToArray() },
        },
    };

    protected Task<BinaryData> DeliverStripeAsync(string type, string customer, string lookupKey = "pro_monthly", DateTimeOffset? at = null) =>
        DeliverStripeAsync(type, new SampleOptions { OccurredAt = at ?? Deliveries.Now, CustomerId = customer, PriceLookupKey = lookupKey });

    protected async Task<BinaryData> DeliverStripeAsync(string type, SampleOptions options)
    {
        var body = StripeSamples.Create(type, options).ToJsonString();
        using var response = await host.Client.PostAsync("stripe", body, Deliveries.SignStripe(body, host.StripeSecret));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var queue = host.Queue(StorageNames.QueueFor(StripeSource.Id));
        var received = (await queue.ReceiveMessageAsync()).Value;
        await queue.DeleteMessageAsync(received.MessageId, received.PopReceipt);
        return received.Body;
    }

    /// <summary>Posts every body to the Stripe endpoint, then takes all the queued messages (in queue order).</summary>
    protected async Task<List<BinaryData>> DeliverManyStripeAsync(IReadOnlyList<string> bodies)
    {
        foreach (var body in bodies)
        {
            using var response = await host.Client.PostAsync("stripe", body, Deliveries.SignStripe(body, host.StripeSecret));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        var queue = host.Queue(StorageNames.QueueFor(StripeSource.Id));
        var messages = new List<BinaryData>();
        while (messages.Count < bodies.Count)
        {
            var batch = (await queue.ReceiveMessagesAsync(32)).Value;
            Assert.NotEmpty(batch);
            foreach (var message in batch)
            {
                messages.Add(message.Body);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }
        }

        return messages;
    }

    protected async Task<BinaryData> DeliverScalekitAsync(string type, string organizationId, string? externalId)
    {
        var body = ScalekitSamples.Create(type, new SampleOptions { OccurredAt = Deliveries.Now, EventId = SampleIds.New("evt_"), OrganizationId = organizationId, ExternalId = externalId }).ToJsonString();
        using var response = await host.Client.PostAsync("scalekit", body, Deliveries.SignScalekit(body, host.ScalekitSecret));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var queue = host.Queue(StorageNames.QueueFor(ScalekitSource.Id));
        var received = (await queue.ReceiveMessageAsync()).Value;
        await queue.DeleteMessageAsync(received.MessageId, received.PopReceipt);
        return received.Body;
    }

    /// <summary>Handles a message the way the queue does: a failed attempt is tried again a little later.</summary>
    protected async Task HandleUntilDoneAsync(BinaryData message)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await Consumer.HandleAsync(message);
                return;
            }
            catch (Exception) when (attempt < 60)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * Math.Min(attempt, 10)));
            }
        }
    }

    protected static JsonObject LastPatchBody(IReadOnlyList<ILogEntry> patches) => JsonNode.Parse(patches[^1].RequestMessage.Body!)!.AsObject();

    protected static Dictionary<string, bool> FeaturesOf(JsonObject settingsBody) =>
        settingsBody["features"]!.AsArray().ToDictionary(f => f!["name"]!.GetValue<string>(), f => f!["enabled"]!.GetValue<bool>());

    protected async Task<LedgerEntry> LedgerRowAsync(BinaryData message)
    {
        var envelope = EnvelopeCodec.Decode(message.ToMemory());
        return (await host.Host.Services.GetRequiredService<EventLedgerQueries>().FindAsync(StripeSource.Id, envelope.EventId))!;
    }
}

public class BillingSyncTests(ScalekitStandInFixture host) : BillingTestBase(host), IClassFixture<ScalekitStandInFixture>
{
    [Fact]
    public async Task SubscriptionUpdated_LooksUpOnceAndPatchesMergedMetadataAndFeatures()
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        StubLookup(customer, org, new Dictionary<string, string> { ["tier"] = "gold", ["region"] = "eu" });
        StubPatches(org);

        var message = await DeliverStripeAsync("customer.subscription.updated", customer);
        await Consumer.HandleAsync(message);

        Assert.Single(Requests("GET", $"/api/v1/organizations:external/{customer}"));
        var patch = Assert.Single(Requests("PATCH", $"/api/v1/organizations/{org}"));
        var metadata = JsonNode.Parse(patch.RequestMessage.Body!)!["metadata"]!.AsObject();
        Assert.Equal("gold", metadata["tier"]!.GetValue<string>());
        Assert.Equal("eu", metadata["region"]!.GetValue<string>());
        Assert.Equal("active", metadata["subscription_status"]!.GetValue<string>());
        Assert.Equal("pro", metadata["plan_type"]!.GetValue<string>());
        Assert.NotNull(metadata["subscription_period_end"]);
        Assert.NotNull(metadata["last_billing_update"]);
        var settings = Assert.Single(Requests("PATCH", $"/api/v1/organizations/{org}/settings"));
        var features = JsonNode.Parse(settings.RequestMessage.Body!)!["features"]!.AsArray().ToDictionary(f => f!["name"]!.GetValue<string>(), f => f!["enabled"]!.GetValue<bool>());
        Assert.Equal(new Dictionary<string, bool> { ["sso"] = true, ["dir_sync"] = true }, features);
        Assert.Equal(ProcessingStatus.Processed, (await LedgerRowAsync(message)).Status);
    }

    [Fact]
    public async Task OrganizationAlreadyMatching_SendsNoPatch()
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        var message = await DeliverStripeAsync("customer.subscription.updated", customer, lookupKey: "starter_monthly");
        var created = DateTimeOffset.FromUnixTimeSeconds(JsonDocument.Parse(EnvelopeCodec.Decode(message.ToMemory()).InlinePayload).RootElement.GetProperty("created").GetInt64());
        var periodEnd = created.AddDays(30).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        StubLookup(customer, org, new Dictionary<string, string>
        {
            ["subscription_status"] = "active",
            ["plan_type"] = "starter",
            ["subscription_period_end"] = periodEnd,
            ["last_billing_update"] = created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
        }, features: new() { ["sso"] = false, ["dir_sync"] = false });
        StubPatches(org);

        await Consumer.HandleAsync(message);

        Assert.DoesNotContain(Api.LogEntries, e => e.RequestMessage.Method == "PATCH");
        Assert.Contains("skipped-unchanged", (await LedgerRowAsync(message)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TooManyMetadataPairs_IsParkedWithAClearErrorAndNothingIsTruncated()
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        StubLookup(customer, org, Enumerable.Range(0, 8).ToDictionary(i => $"custom_key_{i}", i => "value"));
        StubPatches(org);

        var message = await DeliverStripeAsync("customer.subscription.updated", customer);
        await Consumer.HandleAsync(message);

        var row = await LedgerRowAsync(message);
        Assert.Equal(ProcessingStatus.Parked, row.Status);
        Assert.Contains("Scalekit allows 10", row.Detail, StringComparison.Ordinal);
        Assert.Contains("custom_key_0, custom_key_1", row.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(Api.LogEntries, e => e.RequestMessage.Method == "PATCH");
    }

    [Fact]
    public async Task PatchAnswers429WithRetryAfter_ThenSucceeds_AppliedOnce()
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        StubLookup(customer, org, []);
        StubPatches(org);
        Api.Given(Request.Create().WithPath($"/api/v1/organizations/{org}").UsingPatch()).InScenario("throttle").WillSetStateTo("throttled").AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(429).WithHeader("Retry-After", "1").WithBodyAsJson(new { code = 8, message = "rate limited" }));

        var message = await DeliverStripeAsync("customer.subscription.updated", customer);
        await Consumer.HandleAsync(message);

        var patches = Requests("PATCH", $"/api/v1/organizations/{org}");
        Assert.Equal([429, 200], patches.Select(p => (int)p.ResponseMessage.StatusCode!));
        Assert.True(patches[1].RequestMessage.DateTime - patches[0].RequestMessage.DateTime >= TimeSpan.FromSeconds(0.9), "Retry-After was honoured");
        Assert.Equal(ProcessingStatus.Processed, (await LedgerRowAsync(message)).Status);
    }

    [Fact]
    public async Task NoOrganizationForCustomer_WaitsForOneWithoutRetrying()
    {
        var customer = SampleIds.New("cus_");
        Api.Given(Request.Create().WithPath($"/api/v1/organizations:external/{customer}").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(404).WithBodyAsJson(new { code = 5, message = "organization not found" }));

        var message = await DeliverStripeAsync("customer.subscription.updated", customer);
        await Consumer.HandleAsync(message);

        Assert.Equal(ProcessingStatus.WaitingForOrganization, (await LedgerRowAsync(message)).Status);
        Assert.Single(Requests("GET", $"/api/v1/organizations:external/{customer}"));
    }

    [Fact]
    public async Task TokenExpiredMidRun_IsRefreshedOnceAndTheCallSucceeds()
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        Api.Reset();
        Api.Given(Request.Create().WithPath("/oauth/token").UsingPost()).InScenario("token").WillSetStateTo("second")
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { access_token = "token-old", expires_in = 86399 }));
        Api.Given(Request.Create().WithPath("/oauth/token").UsingPost()).InScenario("token").WhenStateIs("second")
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { access_token = "token-new", expires_in = 86399 }));
        Api.Given(Request.Create().WithPath("/api/*").WithHeader("Authorization", "Bearer token-old")).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(401).WithBodyAsJson(new { code = 16, message = "token expired" }));
        StubLookup(customer, org, []);
        StubPatches(org);
        Fixture.Host.Services.GetRequiredService<ScalekitTokenCache>().Invalidate("token-1");

        var message = await DeliverStripeAsync("customer.subscription.updated", customer);
        await Consumer.HandleAsync(message);

        Assert.Equal(2, Requests("POST", "/oauth/token").Count);
        Assert.Equal(ProcessingStatus.Processed, (await LedgerRowAsync(message)).Status);
        Assert.All(Requests("PATCH", $"/api/v1/organizations/{org}"), r => Assert.Equal("Bearer token-new", r.RequestMessage.Headers!["Authorization"][0]));
    }

    [Fact]
    public async Task TwoConsumersRacingOnOneMessage_PatchOnce()
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        StubLookup(customer, org, []);
        StubPatches(org);
        var message = await DeliverStripeAsync("customer.subscription.updated", customer);

        var racers = new[] { Consumer.HandleAsync(message), Consumer.HandleAsync(message), Consumer.HandleAsync(message) };
        try
        {
            await Task.WhenAll(racers);
        }
        catch (RowBusyException)
        {
            // A consumer that lost the race leaves its delivery to the queue's retry.
        }

        // The queue retries the losers; by then the event is done and they change nothing.
        await Consumer.HandleAsync(message);
        Assert.Contains(racers, r => r.IsCompletedSuccessfully);
        Assert.Single(Requests("PATCH", $"/api/v1/organizations/{org}"));
        Assert.Equal(1, (await LedgerRowAsync(message)).Attempts);
        Assert.Equal(ProcessingStatus.Processed, (await LedgerRowAsync(message)).Status);
    }

    [Fact]
    public async Task CustomerDeleted_MarksBillingDeletedAndSwitchesManagedFeaturesOff()
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        StubLookup(customer, org, [], features: new() { ["sso"] = true, ["dir_sync"] = true });
        StubPatches(org);

        var message = await DeliverStripeAsync("customer.deleted", customer);
        await Consumer.HandleAsync(message);

        var metadata = JsonNode.Parse(Assert.Single(Requests("PATCH", $"/api/v1/organizations/{org}")).RequestMessage.Body!)!["metadata"]!;
        Assert.Equal("deleted", metadata["billing_status"]!.GetValue<string>());
        Assert.NotNull(metadata["deletion_date"]);
        var features = JsonNode.Parse(Assert.Single(Requests("PATCH", $"/api/v1/organizations/{org}/settings")).RequestMessage.Body!)!["features"]!.AsArray();
        Assert.All(features, f => Assert.False(f!["enabled"]!.GetValue<bool>()));
    }

    [Fact]
    public async Task OlderSubscriptionEvent_IsStaleSkippedWithoutCallingScalekit()
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        StubLookup(customer, org, []);
        StubPatches(org);
        var newer = await DeliverStripeAsync("customer.subscription.updated", customer, at: Deliveries.Now.AddSeconds(-10));
        var older = await DeliverStripeAsync("customer.subscription.updated", customer, at: Deliveries.Now.AddSeconds(-100));

        await Consumer.HandleAsync(newer);
        var callsAfterNewer = Api.LogEntries.Count();
        await Consumer.HandleAsync(older);

        Assert.Equal(ProcessingStatus.StaleSkipped, (await LedgerRowAsync(older)).Status);
        Assert.Equal(callsAfterNewer, Api.LogEntries.Count());
    }
}

/// <summary>Scalekit failing hard trips the circuit breaker, so this runs on a host of its own.</summary>
public class BillingOutageTests(ScalekitStandInFixture host) : BillingTestBase(host), IClassFixture<ScalekitStandInFixture>
{
    [Fact]
    public async Task Repeated500s_AreRetriedThenTheMessageEndsInThePoisonQueue()
    {
        var customer = SampleIds.New("cus_");
        Api.Given(Request.Create().WithPath($"/api/v1/organizations:external/{customer}").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(500).WithBodyAsJson(new { code = 13, message = "internal" }));
        var message = await DeliverStripeAsync("customer.subscription.updated", customer);
        var queue = Fixture.Queue("billing-retry-test");
        var poison = Fixture.Queue("billing-retry-test-poison");
        await queue.CreateIfNotExistsAsync();
        await poison.DeleteIfExistsAsync();
        await queue.SendMessageAsync(message);
        var listener = new QueueTriggerListener(queue, poison, Consumer.HandleDeliveryAsync, new QueueTriggerOptions { VisibilityTimeout = TimeSpan.Zero }, TimeProvider.System, NullLogger.Instance);

        for (var i = 0; i < 50 && !((await poison.ExistsAsync()).Value && (await poison.PeekMessagesAsync()).Value.Length > 0); i++)
        {
            await listener.PollOnceAsync();
        }

        Assert.Single((await poison.PeekMessagesAsync(32)).Value);
        // More calls than queue attempts: the resilience pipeline retried within attempts (until its circuit opened).
        Assert.InRange(Requests("GET", $"/api/v1/organizations:external/{customer}").Count, 6, 5 * 4);
        var row = await LedgerRowAsync(message);
        Assert.Equal(ProcessingStatus.Failed, row.Status);
        Assert.Equal(5, row.Attempts);
        Assert.Matches("500|circuit", row.LastError);
    }
}
