using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Stripe;
using Scalekit.Webhooks.Stripe.Entitlements;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Types;
using WireMock.Util;

namespace Scalekit.Webhooks.IntegrationTests.Processing;

/// <summary>A customer's state comes from all of its subscriptions; the outcome and the metadata budget are kept and shown.</summary>
public class BillingStateTests(ScalekitStandInFixture host) : BillingTestBase(host), IClassFixture<ScalekitStandInFixture>
{
    [Fact]
    public async Task UpgradeThenOldSubscriptionCancelled_OrganizationStaysOnTheNewPlanWithFeaturesOn()
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        StubLookup(customer, org, new() { ["tier"] = "gold" });
        StubPatches(org);
        var start = Deliveries.Now.AddMinutes(-30);
        SampleOptions Event(string subscription, string lookupKey, int minutes, int createdMinutes) => new()
        {
            OccurredAt = start.AddMinutes(minutes), CustomerId = customer, SubscriptionId = subscription, PriceLookupKey = lookupKey,
            SubscriptionCreatedAt = start.AddMinutes(createdMinutes),
        };

        await Consumer.HandleAsync(await DeliverStripeAsync("customer.subscription.created", Event("sub_old", "pro_monthly", 0, 0)));
        await Consumer.HandleAsync(await DeliverStripeAsync("customer.subscription.created", Event("sub_new", "enterprise_yearly", 10, 10)));
        var cancel = await DeliverStripeAsync("customer.subscription.deleted", Event("sub_old", "pro_monthly", 20, 0));
        await Consumer.HandleAsync(cancel);

        var metadata = LastPatchBody(Requests("PATCH", $"/api/v1/organizations/{org}"))["metadata"]!;
        Assert.Equal("active", metadata["subscription_status"]!.GetValue<string>());
        Assert.Equal("enterprise", metadata["plan_type"]!.GetValue<string>());
        Assert.Equal(BillingState.Iso(start.AddMinutes(20)), metadata["last_billing_update"]!.GetValue<string>());
        Assert.Equal("gold", metadata["tier"]!.GetValue<string>());
        Assert.All(FeaturesOf(LastPatchBody(Requests("PATCH", $"/api/v1/organizations/{org}/settings"))), f => Assert.True(f.Value, f.Key));
        Assert.Equal(ProcessingStatus.Processed, (await LedgerRowAsync(cancel)).Status);
    }

    [Fact]
    public async Task SyncOutcome_IsKeptPerCustomer_AndShownByTheOperationsApi()
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        StubLookup(customer, org, new() { ["tier"] = "gold" });
        StubPatches(org);
        await Consumer.HandleAsync(await DeliverStripeAsync("customer.subscription.updated", customer));

        using var response = await Fixture.OpsAsync(HttpMethod.Get, $"/api/ops/customers/{customer}");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(org, body["organization_id"]!.GetValue<string>());
        var last = body["sync"]!["last_attempt"]!;
        Assert.Equal(SyncResults.Sent, last["result"]!.GetValue<string>());
        Assert.Equal("metadata and features sent", last["reason"]!.GetValue<string>());
        Assert.Equal("pro", last["metadata"]!["plan_type"]!.GetValue<string>());
        Assert.Equal("gold", last["metadata"]!["tier"]!.GetValue<string>());
        Assert.True(last["features"]!["dir_sync"]!.GetValue<bool>());
        Assert.Equal(1, body["sync"]!["synced_version"]!.GetValue<long>());
        Assert.NotNull(last["at"]);
    }

    [Fact]
    public async Task OrganizationWithoutRoomForBillingKeys_IsParkedNamingItsKeys_NothingIsWritten_AndItIsListedAsOverBudget()
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        StubLookup(customer, org, Enumerable.Range(0, 7).ToDictionary(i => $"crm_field_{i}", _ => "x"));
        StubPatches(org);

        var message = await DeliverStripeAsync("customer.subscription.updated", customer);
        await Consumer.HandleAsync(message);

        var row = await LedgerRowAsync(message);
        Assert.Equal(ProcessingStatus.Parked, row.Status);
        Assert.Contains($"organization {org}: organization metadata would hold 11 pairs and Scalekit allows 10", row.Detail, StringComparison.Ordinal);
        Assert.Contains("other keys (7: crm_field_0, crm_field_1, crm_field_2", row.Detail, StringComparison.Ordinal);
        Assert.Contains("leave 3 for billing, which needs 4", row.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(Api.LogEntries, e => e.RequestMessage.Method == "PATCH");

        using var response = await Fixture.OpsAsync(HttpMethod.Get, "/api/ops/organizations?over_budget=true");
        var listed = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["items"]!.AsArray();
        var item = Assert.Single(listed, i => i!["customer_id"]!.GetValue<string>() == customer)!;
        Assert.Equal(org, item["organization_id"]!.GetValue<string>());
        Assert.Contains("Scalekit allows 10", item["reason"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OrganizationsList_WithAnOverBudgetFilterOtherThanTrue_IsABadRequest()
    {
        using var response = await Fixture.OpsAsync(HttpMethod.Get, "/api/ops/organizations?over_budget=false");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("over_budget", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PatchRefusedWith400_IsParkedWithScalekitsReason()
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        StubLookup(customer, org, []);
        Api.Given(Request.Create().WithPath($"/api/v1/organizations/{org}").UsingPatch())
            .RespondWith(Response.Create().WithStatusCode(400).WithBodyAsJson(new { code = 3, message = "metadata value invalid" }));

        var message = await DeliverStripeAsync("customer.subscription.updated", customer);
        await Consumer.HandleAsync(message);

        var row = await LedgerRowAsync(message);
        Assert.Equal(ProcessingStatus.Parked, row.Status);
        Assert.Contains("Scalekit refused the update: Scalekit API 400 (rpc code 3): metadata value invalid", row.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LookupAnswersMalformedJson_IsParked_AndTheCustomerIsNotLeftLeased()
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        Api.Given(Request.Create().WithPath($"/api/v1/organizations:external/{customer}").UsingGet()).InScenario("malformed").WillSetStateTo("fixed")
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("{\"organization\": {\"id\": "));

        var first = await DeliverStripeAsync("customer.subscription.updated", customer);
        await Consumer.HandleAsync(first);

        Assert.Equal(ProcessingStatus.Parked, (await LedgerRowAsync(first)).Status);
        StubLookup(customer, org, []);
        StubPatches(org);
        var second = await DeliverStripeAsync("customer.subscription.updated", customer, at: Deliveries.Now.AddSeconds(1));
        await Consumer.HandleAsync(second);
        Assert.Equal(ProcessingStatus.Processed, (await LedgerRowAsync(second)).Status);
        Assert.Single(Requests("PATCH", $"/api/v1/organizations/{org}"));
    }

    [Fact]
    public async Task ManualSync_OfAnUnknownCustomer_IsNotFound()
    {
        using var response = await Fixture.OpsAsync(HttpMethod.Post, $"/api/ops/customers/{SampleIds.New("cus_")}/sync");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}

/// <summary>Billing state that arrives before its organization is linked is kept and synced once the link appears.</summary>
public class LateLinkTests(ScalekitStandInFixture host) : BillingTestBase(host), IClassFixture<ScalekitStandInFixture>
{
    [Fact]
    public async Task OrganizationCreatedWithTheCustomerAsExternalId_SyncsTheWaitingStateWithoutANewStripeEvent()
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        var stripe = await WaitingAsync(customer);

        StubLookup(customer, org, new() { ["tier"] = "gold" });
        StubPatches(org);
        await Consumer.HandleAsync(await DeliverScalekitAsync("organization.created", org, customer));

        var metadata = LastPatchBody(Requests("PATCH", $"/api/v1/organizations/{org}"))["metadata"]!;
        Assert.Equal("active", metadata["subscription_status"]!.GetValue<string>());
        Assert.Equal(ProcessingStatus.Processed, (await LedgerRowAsync(stripe)).Status);
    }

    [Fact]
    public async Task OperatorSync_AfterTheLinkAppears_SyncsAndAnswersWhatWasSent()
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        var stripe = await WaitingAsync(customer);

        Api.Reset();
        await InitializeAsync();
        StubLookup(customer, org, []);
        StubPatches(org);
        using var response = await Fixture.OpsAsync(HttpMethod.Post, $"/api/ops/customers/{customer}/sync");

        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SyncResults.Sent, body["result"]!.GetValue<string>());
        Assert.Equal(org, body["organization_id"]!.GetValue<string>());
        Assert.Single(Requests("PATCH", $"/api/v1/organizations/{org}"));
        Assert.Equal(ProcessingStatus.Processed, (await LedgerRowAsync(stripe)).Status);
    }

    [Fact]
    public async Task ReplayerRecheck_FindsTheLinkByLookingAgain()
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        var stripe = await WaitingAsync(customer);

        Api.Reset();
        await InitializeAsync();
        StubLookup(customer, org, []);
        StubPatches(org);
        await Fixture.Host.Services.GetRequiredService<LateLinkSync>().RecheckAsync();

        Assert.Single(Requests("PATCH", $"/api/v1/organizations/{org}"));
        Assert.Equal(ProcessingStatus.Processed, (await LedgerRowAsync(stripe)).Status);
    }

    [Fact]
    public async Task ReplayerRecheck_StillNoOrganization_KeepsWaitingWithinTheWindow()
    {
        var customer = SampleIds.New("cus_");
        var stripe = await WaitingAsync(customer);

        await Fixture.Host.Services.GetRequiredService<LateLinkSync>().RecheckAsync();

        Assert.Equal(2, Requests("GET", $"/api/v1/organizations:external/{customer}").Count);
        Assert.Equal(ProcessingStatus.WaitingForOrganization, (await LedgerRowAsync(stripe)).Status);
    }

    [Fact]
    public async Task ReplayerRecheck_OnASlowScalekit_StopsAtItsBudget_AndTheNextRunContinuesAfterTheLastCustomerReached()
    {
        var mine = new[] { SampleIds.New("cus_"), SampleIds.New("cus_"), SampleIds.New("cus_") };
        foreach (var customer in mine)
        {
            await WaitingAsync(customer);
        }

        Api.Reset();
        await InitializeAsync();
        // Every lookup takes 20 s of the re-check's clock and still finds no organization: the 30-s budget lasts two.
        var clock = new FakeTimeProvider(Deliveries.Now);
        var looked = new List<string>();
        Api.Given(Request.Create().WithPath(new WireMock.Matchers.WildcardMatcher("/api/v1/organizations:external/*")).UsingGet())
            .RespondWith(Response.Create().WithCallback(request =>
            {
                lock (looked)
                {
                    looked.Add(request.Path[(request.Path.LastIndexOf('/') + 1)..]);
                }

                clock.Advance(TimeSpan.FromSeconds(20));
                var answer = new ResponseMessage { StatusCode = 404, BodyData = new BodyData { BodyAsString = """{"code":5,"message":"organization not found"}""", DetectedBodyType = BodyType.String, Encoding = Encoding.UTF8 } };
                answer.AddHeader("Content-Type", "application/json");
                return answer;
            }));
        var services = Fixture.Host.Services;
        var recheck = new LateLinkSync(
            services.GetRequiredService<CustomerBillingStore>(),
            services.GetRequiredService<BillingSync>(),
            services.GetRequiredService<EventLedger>(),
            services.GetRequiredService<IOptions<BillingOptions>>(),
            services.GetRequiredService<IOptions<BillingFeatureOptions>>(),
            services.GetRequiredService<StripeListReader>(),
            clock,
            services.GetRequiredService<ILogger<LateLinkSync>>());
        Assert.Equal(TimeSpan.FromSeconds(30), services.GetRequiredService<IOptions<BillingOptions>>().Value.RecheckBudget);

        var runs = new List<(LateLinkRecheck Run, List<string> Looked)>();
        for (var i = 0; i < 20 && (runs.Count == 0 || runs[^1].Run.OutOfTime); i++)
        {
            looked.Clear();
            runs.Add((await recheck.RecheckAsync(), [.. looked]));
        }

        // Two customers a run, each run after where the last stopped, until one reaches the end: each customer once.
        Assert.False(runs[^1].Run.OutOfTime);
        Assert.True(runs[0].Run.OutOfTime);
        Assert.All(runs, run => Assert.Equal(run.Looked.Count, run.Run.Looked));
        Assert.All(runs.SkipLast(1), run => Assert.Equal(2, run.Looked.Count));
        var all = runs.SelectMany(run => run.Looked).ToList();
        Assert.Equal(all.Distinct(StringComparer.Ordinal).Count(), all.Count);
        Assert.Equal(all.Order(StringComparer.Ordinal), all);
        Assert.All(mine, customer => Assert.Contains(customer, all));

        // A re-check after one that reached the end starts from the first customer again.
        looked.Clear();
        await recheck.RecheckAsync();
        Assert.Equal(all[0], looked[0]);
    }

    private async Task<BinaryData> WaitingAsync(string customer)
    {
        Api.Given(Request.Create().WithPath($"/api/v1/organizations:external/{customer}").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(404).WithBodyAsJson(new { code = 5, message = "organization not found" }));
        var message = await DeliverStripeAsync("customer.subscription.updated", customer);
        await Consumer.HandleAsync(message);
        Assert.Equal(ProcessingStatus.WaitingForOrganization, (await LedgerRowAsync(message)).Status);
        return message;
    }
}

/// <summary>A late-link window of about a second, so the wait can end within a test.</summary>
public sealed class ShortLateLinkWindowFixture : ScalekitStandInFixture
{
    protected override IReadOnlyDictionary<string, string?> MoreSettings => new Dictionary<string, string?> { [BillingOptions.LateLinkWindowSetting] = "0.0003" };
}

public class LateLinkWindowTests(ShortLateLinkWindowFixture host) : BillingTestBase(host), IClassFixture<ShortLateLinkWindowFixture>
{
    [Fact]
    public async Task NoOrganizationWithinTheWindow_IsRecordedAsNoLinkedOrganization()
    {
        var customer = SampleIds.New("cus_");
        Api.Given(Request.Create().WithPath($"/api/v1/organizations:external/{customer}").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(404).WithBodyAsJson(new { code = 5, message = "organization not found" }));
        var message = await DeliverStripeAsync("customer.subscription.updated", customer);
        await Consumer.HandleAsync(message);
        Assert.Equal(ProcessingStatus.WaitingForOrganization, (await LedgerRowAsync(message)).Status);

        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await Fixture.Host.Services.GetRequiredService<LateLinkSync>().RecheckAsync();

        var row = await LedgerRowAsync(message);
        Assert.Equal(ProcessingStatus.NoLinkedOrganization, row.Status);
        Assert.Contains("none appeared within", row.Detail, StringComparison.Ordinal);
    }
}

public sealed class CompactMetadataFixture : ScalekitStandInFixture
{
    protected override IReadOnlyDictionary<string, string?> MoreSettings => new Dictionary<string, string?> { [BillingOptions.ModeSetting] = "compact" };
}

public class CompactMetadataTests(CompactMetadataFixture host) : BillingTestBase(host), IClassFixture<CompactMetadataFixture>
{
    [Fact]
    public async Task CompactMode_WritesOneBillingKey_AndRemovesTheOneKeyPerFactKeys()
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        StubLookup(customer, org, new() { ["tier"] = "gold", ["plan_type"] = "old", ["subscription_status"] = "old" });
        StubPatches(org);

        await Consumer.HandleAsync(await DeliverStripeAsync("customer.subscription.updated", customer, at: Deliveries.Now));

        var metadata = LastPatchBody(Requests("PATCH", $"/api/v1/organizations/{org}"))["metadata"]!.AsObject();
        Assert.Equal(["billing", "tier"], metadata.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Matches(@"^status=active;plan=pro;period_end=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ;updated=" + BillingState.Iso(Deliveries.Now) + "$", metadata["billing"]!.GetValue<string>());
    }
}

/// <summary>A short attempt timeout, so a Scalekit answer that hangs is cut off within a test.</summary>
public sealed class ShortAttemptTimeoutFixture : ScalekitStandInFixture
{
    protected override IReadOnlyDictionary<string, string?> MoreSettings => new Dictionary<string, string?> { ["SCALEKIT_ATTEMPT_TIMEOUT_MS"] = "500", ["SCALEKIT_CIRCUIT_BREAK_SECONDS"] = "1" };
}

public class BillingTimeoutTests(ShortAttemptTimeoutFixture host) : BillingTestBase(host), IClassFixture<ShortAttemptTimeoutFixture>
{
    [Fact]
    public async Task PatchThatHangsPastTheAttemptTimeout_IsSentAgain_AndTheEventIsProcessed()
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        StubLookup(customer, org, []);
        StubPatches(org);
        Api.Given(Request.Create().WithPath($"/api/v1/organizations/{org}").UsingPatch()).InScenario("hang").WillSetStateTo("answered").AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(200).WithDelay(TimeSpan.FromSeconds(3)).WithBodyAsJson(new { organization = new { id = org } }));

        var message = await DeliverStripeAsync("customer.subscription.updated", customer);
        await HandleUntilDoneAsync(message);

        // WireMock moves the scenario on only once the hanging answer is out, so every PATCH until then hangs too.
        Assert.InRange(Requests("PATCH", $"/api/v1/organizations/{org}").Count, 2, 40);
        Assert.Equal(ProcessingStatus.Processed, (await LedgerRowAsync(message)).Status);
        Assert.Equal(SyncResults.Sent, (await Fixture.Host.Services.GetRequiredService<CustomerBillingStore>().GetAsync(customer))!.LastAttempt!.Result);
    }
}
