using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;
using Scalekit.Webhooks.Stripe.Seats;
using WireMock.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Scalekit.Webhooks.IntegrationTests.Billing;

/// <summary>A host (queue triggers off, so each test works the seat queue itself) whose Stripe and Scalekit APIs are WireMock stand-ins, with seat sync on.</summary>
public sealed class SeatSyncFixture : LocalHostFixture, IDisposable
{
    public const string SeatPrice = "seat_monthly";

    public WireMockServer Stripe { get; } = WireMockServer.Start();

    public WireMockServer Scalekit { get; } = WireMockServer.Start();

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["STRIPE_API_KEY"] = "sk_test_seats",
        ["STRIPE_API_BASE_URL"] = Stripe.Url,
        ["STRIPE_API_TIMEOUT_MS"] = "2000",
        ["SCALEKIT_ENVIRONMENT_URL"] = Scalekit.Url,
        ["SCALEKIT_CLIENT_ID"] = "skc_test_client",
        ["SCALEKIT_CLIENT_SECRET"] = "test-client-secret",
        ["BILLING_SEAT_PRICE"] = SeatPrice,
        ["BILLING_SEAT_PRORATION"] = "always_invoice",
        ["BILLING_SEAT_SYNC_DELAY_SECONDS"] = "1",
    };

    public void Dispose()
    {
        Stripe.Stop();
        Stripe.Dispose();
        Scalekit.Stop();
        Scalekit.Dispose();
    }
}

/// <summary>
/// Per-seat billing end to end: membership events through the Scalekit webhook, the read model, one delayed message on
/// billing-seat-sync, and the quantity written to a WireMock Stripe, on Azurite.
/// </summary>
public sealed class SeatSyncTests(SeatSyncFixture host) : IClassFixture<SeatSyncFixture>, IAsyncLifetime
{
    private const string SeatItem = "si_seats";

    private WireMockServer Stripe => host.Stripe;

    private SeatSync Seats => host.Host.Services.GetRequiredService<SeatSync>();

    public async Task InitializeAsync()
    {
        Stripe.Reset();
        host.Scalekit.Reset();
        host.Scalekit.Given(Request.Create().WithPath("/oauth/token").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { access_token = "sk-token", token_type = "Bearer", expires_in = 86399 }));
        await host.ClearQueuesAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task MoreMembers_RaiseTheQuantity_WithTheProration_AndAnIdempotencyKey_AndAreAudited()
    {
        var (organization, customer) = await LinkedOrganizationAsync();
        StubSubscription(customer, seats: 1);
        StubQuantityAnswer();

        await AddMembersAsync(organization, 3);
        var result = await RunScheduledSyncAsync();

        Assert.Equal(SeatSyncResult.Sent, result.Outcome);
        var post = Assert.Single(Posts());
        var form = Form(post);
        Assert.Equal("3", form["quantity"]);
        Assert.Equal("always_invoice", form["proration_behavior"]);
        Assert.Equal("Bearer sk_test_seats", post.RequestMessage.Headers!["Authorization"].Single());
        Assert.StartsWith("seats-", post.RequestMessage.Headers["Idempotency-Key"].Single(), StringComparison.Ordinal);

        using var audit = await host.OpsAsync(HttpMethod.Get, "/api/ops/audit");
        var entry = (await audit.JsonAsync()).GetProperty("items").EnumerateArray().First(e => e.GetProperty("action").GetString() == SeatSync.AuditAction
            && e.GetProperty("target").GetString()!.Contains(organization, StringComparison.Ordinal));
        Assert.Equal($"organization {organization}, item {SeatItem}: 1 → 3", entry.GetProperty("target").GetString());
        Assert.DoesNotContain("@", entry.GetRawText(), StringComparison.Ordinal);

        var health = await SeatHealthAsync();
        Assert.Equal("live", health.GetProperty("mode").GetString());
        Assert.True(health.GetProperty("successes").GetInt32() >= 1);
        Assert.True(health.GetProperty("counts").GetProperty("sent").GetInt32() >= 1);
        Assert.NotEqual(JsonValueKind.Null, health.GetProperty("last_run_at").ValueKind);
    }

    [Fact]
    public async Task FewerMembers_LowerTheQuantity()
    {
        var (organization, customer) = await LinkedOrganizationAsync();
        StubSubscription(customer, seats: 5);
        StubQuantityAnswer();

        await AddMembersAsync(organization, 2);
        var result = await RunScheduledSyncAsync();

        Assert.Equal(SeatSyncResult.Sent, result.Outcome);
        Assert.Equal((5L, 2L), (result.From, result.To));
        Assert.Equal("2", Form(Assert.Single(Posts()))["quantity"]);
        using var view = await host.OpsAsync(HttpMethod.Get, $"/api/ops/customers/{customer}");
        var seats = (await view.JsonAsync()).GetProperty("seats");
        Assert.Equal(SeatSyncResult.Sent, seats.GetProperty("outcome").GetString());
        Assert.Equal(5, seats.GetProperty("from").GetInt64());
        Assert.Equal(2, seats.GetProperty("to").GetInt64());
    }

    [Fact]
    public async Task AnUnchangedCount_SendsNothing()
    {
        var (organization, customer) = await LinkedOrganizationAsync();
        StubSubscription(customer, seats: 2);

        await AddMembersAsync(organization, 2);
        var result = await RunScheduledSyncAsync();

        Assert.Equal(SeatSyncResult.Unchanged, result.Outcome);
        Assert.Empty(Posts());
        Assert.Single(Stripe.LogEntries, e => e.RequestMessage.Path == "/v1/subscriptions");
    }

    [Fact]
    public async Task NoActiveMembers_StillBillOneSeat()
    {
        var (organization, customer) = await LinkedOrganizationAsync();
        StubSubscription(customer, seats: 3);
        StubQuantityAnswer();
        var options = Member(organization, SampleIds.New("usr_"), 0);
        await ProcessAsync(ScalekitSamples.Create("user.organization_membership_created", options));
        await ProcessAsync(ScalekitSamples.Create("user.organization_membership_deleted", options with { OccurredAt = options.OccurredAt.AddSeconds(1) }));

        var result = await RunScheduledSyncAsync();

        Assert.Equal(SeatSyncResult.Sent, result.Outcome);
        Assert.Equal("1", Form(Assert.Single(Posts()))["quantity"]);
    }

    [Fact]
    public async Task ABurstOfMembershipEvents_MakesOneDelayedSync_AndOnePost()
    {
        var (organization, customer) = await LinkedOrganizationAsync();
        StubSubscription(customer, seats: 1);
        StubQuantityAnswer();

        await AddMembersAsync(organization, 4);
        // The one message is invisible for the delay; meanwhile the organization counts as deferred.
        Assert.Empty(await host.PeekAllAsync(StorageNames.SeatSyncQueue));
        Assert.True((await SeatHealthAsync()).GetProperty("counts").GetProperty("deferred").GetInt32() >= 1);
        var result = await RunScheduledSyncAsync();

        Assert.Equal(SeatSyncResult.Sent, result.Outcome);
        Assert.Equal("4", Form(Assert.Single(Posts()))["quantity"]);
        Assert.Empty(await host.PeekAllAsync(StorageNames.SeatSyncQueue));

        // A change after the sync was taken schedules the next one.
        await AddMembersAsync(organization, 1);
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        Assert.Single(await host.PeekAllAsync(StorageNames.SeatSyncQueue));
    }

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    public async Task AThrottledOrFailedWrite_IsRetried_WithTheSameIdempotencyKey(int failure)
    {
        var (organization, customer) = await LinkedOrganizationAsync();
        StubSubscription(customer, seats: 1);
        var post = Request.Create().WithPath($"/v1/subscription_items/{SeatItem}").UsingPost();
        Stripe.Given(post).InScenario("flaky").WillSetStateTo("failed once")
            .RespondWith(Response.Create().WithStatusCode(failure).WithHeader("Retry-After", "1")
                .WithBodyAsJson(new { error = new { type = failure == 429 ? "rate_limit_error" : "api_error", message = "try later" } }));
        Stripe.Given(post).InScenario("flaky").WhenStateIs("failed once")
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { id = SeatItem, @object = "subscription_item", quantity = 2 }));

        await AddMembersAsync(organization, 2);
        var result = await RunScheduledSyncAsync();

        Assert.Equal(SeatSyncResult.Sent, result.Outcome);
        var keys = Posts().Select(e => e.RequestMessage.Headers!["Idempotency-Key"].Single()).ToList();
        Assert.Equal(2, keys.Count);
        Assert.Single(keys.Distinct());
    }

    [Fact]
    public async Task AWriteStripeKeepsRefusingForNow_GoesBackToTheQueue_AndItsRetrySendsTheSameKey()
    {
        var (organization, customer) = await LinkedOrganizationAsync();
        StubSubscription(customer, seats: 1);
        var post = Request.Create().WithPath($"/v1/subscription_items/{SeatItem}").UsingPost();
        Stripe.Given(post).AtPriority(1).RespondWith(Response.Create().WithStatusCode(500).WithBodyAsJson(new { error = new { type = "api_error", message = "down" } }));
        await AddMembersAsync(organization, 2);
        var request = await TakeScheduledAsync();

        var error = await Assert.ThrowsAsync<StripeWriteException>(() => Seats.SyncAsync(request));
        Assert.True(error.IsTransient);
        var firstKeys = Posts().Select(e => e.RequestMessage.Headers!["Idempotency-Key"].Single()).Distinct().ToList();
        Assert.Single(firstKeys);

        // Stripe recovers; the queue delivers the same message again.
        Stripe.Given(post).AtPriority(0).RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { id = SeatItem, @object = "subscription_item", quantity = 2 }));
        var retried = await Seats.SyncAsync(request);

        Assert.Equal(SeatSyncResult.Sent, retried!.Outcome);
        Assert.Equal(firstKeys.Single(), Posts().Last().RequestMessage.Headers!["Idempotency-Key"].Single());
    }

    [Fact]
    public async Task ARefusal_IsRecordedAsAFailure_AndNotRetried()
    {
        var (organization, customer) = await LinkedOrganizationAsync();
        StubSubscription(customer, seats: 1);
        Stripe.Given(Request.Create().WithPath($"/v1/subscription_items/{SeatItem}").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(400).WithBodyAsJson(new { error = new { type = "invalid_request_error", code = "parameter_invalid_integer", message = "Invalid integer" } }));

        await AddMembersAsync(organization, 2);
        var result = await RunScheduledSyncAsync();

        Assert.Equal(SeatSyncResult.Failed, result.Outcome);
        Assert.Contains("parameter_invalid_integer", result.Detail, StringComparison.Ordinal);
        Assert.Single(Posts());
        var health = await SeatHealthAsync();
        Assert.True(health.GetProperty("failures").GetInt32() >= 1);
        Assert.Contains("parameter_invalid_integer", health.GetProperty("last_error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACustomerWithoutASeatItem_IsSkipped_WithTheReason()
    {
        var (organization, customer) = await LinkedOrganizationAsync();
        StubSubscription(customer, seats: null);

        await AddMembersAsync(organization, 2);
        var result = await RunScheduledSyncAsync();

        Assert.Equal(SeatSyncResult.Skipped, result.Outcome);
        Assert.Contains(SeatSyncFixture.SeatPrice, result.Detail, StringComparison.Ordinal);
        Assert.Empty(Posts());
    }

    [Fact]
    public async Task AnOrganizationWithoutACustomer_IsSkipped_WithoutAskingStripe()
    {
        var organization = SampleIds.New("org_");
        await ProcessAsync(ScalekitSamples.Create("organization.created", new SampleOptions { OccurredAt = Deliveries.Now, OrganizationId = organization, ExternalId = null }));

        await AddMembersAsync(organization, 2);
        var result = await RunScheduledSyncAsync();

        Assert.Equal(SeatSyncResult.Skipped, result.Outcome);
        Assert.Contains("no linked Stripe customer", result.Detail, StringComparison.Ordinal);
        Assert.Empty(Stripe.LogEntries);
    }

    [Fact]
    public async Task TheLogOfSyncs_DropsSyncsOlderThanItKeeps()
    {
        var store = host.Host.Services.GetRequiredService<SeatSyncStore>();
        var now = DateTimeOffset.UtcNow;
        await store.RecordAsync(SampleIds.New("org_"), new SeatSyncResult(SeatSyncResult.Failed, "old"), now.AddDays(-31));
        var before = await store.CountAsync(now.AddDays(-40));

        await store.PruneAsync(now.AddDays(-30));

        var after = await store.CountAsync(now.AddDays(-40));
        Assert.Equal(before.Failed - 1, after.Failed);
        Assert.Equal(before.Sent, after.Sent);
    }

    private async Task<(string Organization, string Customer)> LinkedOrganizationAsync()
    {
        var organization = SampleIds.New("org_");
        var customer = SampleIds.New("cus_");
        await ProcessAsync(ScalekitSamples.Create("organization.created", new SampleOptions { OccurredAt = Deliveries.Now, OrganizationId = organization, ExternalId = customer }));
        return (organization, customer);
    }

    private static SampleOptions Member(string organization, string user, int n) =>
        new() { OccurredAt = Deliveries.Now.AddSeconds(n + 1), OrganizationId = organization, UserId = user, Email = $"member{n}@acme.example" };

    private async Task AddMembersAsync(string organization, int count)
    {
        for (var n = 0; n < count; n++)
        {
            await ProcessAsync(ScalekitSamples.Create("user.organization_membership_created", Member(organization, SampleIds.New("usr_"), n)));
        }
    }

    /// <summary>The customer's one subscription: a base plan item and, unless <paramref name="seats"/> is null, the seat item with that quantity.</summary>
    private void StubSubscription(string customer, int? seats)
    {
        var items = new List<object> { new { id = "si_base", @object = "subscription_item", quantity = 1, price = new { id = "price_base", lookup_key = "pro_monthly" } } };
        if (seats is { } quantity)
        {
            items.Add(new { id = SeatItem, @object = "subscription_item", quantity, price = new { id = "price_seat", lookup_key = SeatSyncFixture.SeatPrice } });
        }

        Stripe.Given(Request.Create().WithPath("/v1/subscriptions").WithParam("customer", customer).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new
            {
                @object = "list",
                has_more = false,
                data = new[] { new { id = "sub_seats", @object = "subscription", customer, status = "active", items = new { @object = "list", has_more = false, data = items } } },
            }));
    }

    private void StubQuantityAnswer() =>
        Stripe.Given(Request.Create().WithPath($"/v1/subscription_items/{SeatItem}").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { id = SeatItem, @object = "subscription_item" }));

    private List<ILogEntry> Posts() =>
        [.. Stripe.LogEntries.Where(e => e.RequestMessage.Method == "POST" && e.RequestMessage.Path == $"/v1/subscription_items/{SeatItem}").OrderBy(e => e.RequestMessage.DateTime)];

    private static Dictionary<string, string> Form(ILogEntry post) =>
        post.RequestMessage.Body!.Split('&').Select(pair => pair.Split('=', 2)).ToDictionary(pair => Uri.UnescapeDataString(pair[0]), pair => Uri.UnescapeDataString(pair[1]));

    /// <summary>Takes the one scheduled sync once its delay has passed, as the queue trigger would.</summary>
    private async Task<SeatSyncRequest> TakeScheduledAsync()
    {
        var queue = host.Queue(StorageNames.SeatSyncQueue);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(10);
        while (true)
        {
            var received = (await queue.ReceiveMessageAsync()).Value;
            if (received is not null)
            {
                await queue.DeleteMessageAsync(received.MessageId, received.PopReceipt);
                Assert.Null((await queue.PeekMessageAsync()).Value);
                return SeatSyncRequest.TryParse(received.Body) ?? throw new InvalidOperationException("not a seat sync message");
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, "no seat sync was scheduled");
            await Task.Delay(200);
        }
    }

    private async Task<SeatSyncResult> RunScheduledSyncAsync()
    {
        var result = await Seats.SyncAsync(await TakeScheduledAsync());
        Assert.NotNull(result);
        return result;
    }

    private async Task ProcessAsync(JsonObject body)
    {
        var text = body.ToJsonString();
        using var response = await host.Client.PostAsync("scalekit", text, Deliveries.SignScalekit(text, host.ScalekitSecret, TimeProvider.System.GetUtcNow()));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var queue = host.Queue(StorageNames.QueueFor(ScalekitSource.Id));
        var received = (await queue.ReceiveMessageAsync()).Value;
        await queue.DeleteMessageAsync(received.MessageId, received.PopReceipt);
        await host.Host.Services.GetRequiredService<EventConsumer>().HandleAsync(received.Body);
    }

    private async Task<JsonElement> SeatHealthAsync()
    {
        using var stats = await host.OpsAsync(HttpMethod.Get, "/api/ops/stats?window=1h");
        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
        return (await stats.JsonAsync()).GetProperty("integrations").EnumerateArray().Single(i => i.GetProperty("name").GetString() == SeatSyncHealth.Name);
    }
}

/// <summary>A host whose seat proration setting is broken: seat sync alone is off.</summary>
public sealed class BrokenSeatSettingFixture : LocalHostFixture
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["BILLING_SEAT_PRICE"] = SeatSyncFixture.SeatPrice,
        ["BILLING_SEAT_PRORATION"] = "sometimes",
        ["BILLING_SEAT_SYNC_DELAY_SECONDS"] = "0",
    };
}

/// <summary>A broken seat setting switches off seat sync and nothing else, and the stats say which setting and why.</summary>
public sealed class BrokenSeatSettingTests(BrokenSeatSettingFixture host) : IClassFixture<BrokenSeatSettingFixture>
{
    [Fact]
    public async Task TheHostRuns_MembershipEventsApply_NoSeatSyncIsScheduled_AndTheStatsNameTheSetting()
    {
        var organization = SampleIds.New("org_");
        var created = ScalekitSamples.Create("user.organization_membership_created", new SampleOptions { OccurredAt = Deliveries.Now, OrganizationId = organization, UserId = SampleIds.New("usr_") });
        var text = created.ToJsonString();
        using (var response = await host.Client.PostAsync("scalekit", text, Deliveries.SignScalekit(text, host.ScalekitSecret, TimeProvider.System.GetUtcNow())))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        var queue = host.Queue(StorageNames.QueueFor(ScalekitSource.Id));
        var received = (await queue.ReceiveMessageAsync()).Value;
        await queue.DeleteMessageAsync(received.MessageId, received.PopReceipt);
        await host.Host.Services.GetRequiredService<EventConsumer>().HandleAsync(received.Body);

        var entry = await host.Host.Services.GetRequiredService<EventLedgerQueries>().FindAsync(ScalekitSource.Id, created["id"]!.GetValue<string>());
        Assert.Equal(ProcessingStatus.Processed, entry!.Status);
        Assert.Equal(1, await host.Host.Services.GetRequiredService<State.MembershipStore>().ActiveMembersAsync(organization));
        Assert.Equal(0, (await host.Queue(StorageNames.SeatSyncQueue).GetPropertiesAsync()).Value.ApproximateMessagesCount);

        using var stats = await host.OpsAsync(HttpMethod.Get, "/api/ops/stats?window=1h");
        var integrations = (await stats.JsonAsync()).GetProperty("integrations").EnumerateArray().ToList();
        var seats = integrations.Single(i => i.GetProperty("name").GetString() == SeatSyncHealth.Name);
        Assert.Equal("off", seats.GetProperty("mode").GetString());
        Assert.Contains("BILLING_SEAT_PRORATION", seats.GetProperty("last_error").GetString(), StringComparison.Ordinal);
        var billing = integrations.Single(i => i.GetProperty("name").GetString() == "billing");
        Assert.NotEqual("off", billing.GetProperty("mode").GetString());
        Assert.DoesNotContain("BILLING_SEAT", billing.GetRawText(), StringComparison.Ordinal);
    }
}
