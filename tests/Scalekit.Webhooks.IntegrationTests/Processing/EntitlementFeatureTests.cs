using Microsoft.Extensions.DependencyInjection;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Stripe;
using Scalekit.Webhooks.Stripe.Entitlements;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Scalekit.Webhooks.IntegrationTests.Processing;

/// <summary>Features from Stripe Entitlements, against WireMock Scalekit and WireMock Stripe.</summary>
public sealed class EntitlementsFixture : ScalekitStandInFixture, IDisposable
{
    public WireMockServer Stripe { get; } = WireMockServer.Start();

    protected override IReadOnlyDictionary<string, string?> MoreSettings => new Dictionary<string, string?>
    {
        [BillingFeatureOptions.SourceSetting] = "entitlements",
        [BillingFeatureOptions.EntitlementFeaturesSetting] = """{"sso-access":"sso","directory-sync":"dir_sync"}""",
        ["STRIPE_API_KEY"] = "sk_test_entitlements",
        ["STRIPE_API_BASE_URL"] = Stripe.Url,
        ["STRIPE_API_TIMEOUT_MS"] = "1000",
    };

    public void Dispose()
    {
        Stripe.Stop();
        Stripe.Dispose();
    }
}

public class EntitlementFeatureTests(EntitlementsFixture host) : BillingTestBase(host), IClassFixture<EntitlementsFixture>
{
    private const string ActiveEntitlementsPath = "/v1/entitlements/active_entitlements";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        host.Stripe.Reset();
    }

    [Fact]
    public async Task Summaries_SwitchExactlyTheMappedFeatures_OnAndOff()
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        StubLookup(customer, org, []);
        StubPatches(org);

        var first = await SummaryAsync(customer, Deliveries.Now.AddMinutes(-1), "sso-access", "directory-sync", "priority-support");
        await Consumer.HandleAsync(first);
        Assert.Equal(new Dictionary<string, bool> { ["sso"] = true, ["dir_sync"] = true }, await FeaturesWrittenAsync(customer));
        Assert.Equal(new Dictionary<string, bool> { ["sso"] = true, ["dir_sync"] = true }, FeaturesOf(LastPatchBody(Requests("PATCH", $"/api/v1/organizations/{org}/settings"))));

        await Consumer.HandleAsync(await SummaryAsync(customer, Deliveries.Now, "sso-access"));

        Assert.Equal(ProcessingStatus.Processed, (await LedgerRowAsync(first)).Status);
        Assert.Equal(new Dictionary<string, bool> { ["sso"] = true, ["dir_sync"] = false }, await FeaturesWrittenAsync(customer));
    }

    [Fact]
    public async Task SubscriptionEvents_DoNotSwitchFeatures_TheSummaryDoes()
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        StubLookup(customer, org, [], features: new() { ["sso"] = true, ["dir_sync"] = false });
        StubPatches(org);

        await Consumer.HandleAsync(await DeliverStripeAsync("customer.subscription.updated", customer, at: Deliveries.Now.AddMinutes(-2)));
        Assert.Empty(Requests("PATCH", $"/api/v1/organizations/{org}/settings"));
        Assert.Equal("pro", LastPatchBody(Requests("PATCH", $"/api/v1/organizations/{org}"))["metadata"]!["plan_type"]!.GetValue<string>());

        await Consumer.HandleAsync(await SummaryAsync(customer, Deliveries.Now, "directory-sync"));

        Assert.Equal(new Dictionary<string, bool> { ["sso"] = false, ["dir_sync"] = true }, await FeaturesWrittenAsync(customer));
        Assert.Equal("pro", LastPatchBody(Requests("PATCH", $"/api/v1/organizations/{org}"))["metadata"]!["plan_type"]!.GetValue<string>());
    }

    [Fact]
    public async Task AnOlderSummaryArrivingLater_ChangesNothing()
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        StubLookup(customer, org, []);
        StubPatches(org);
        var older = await SummaryAsync(customer, Deliveries.Now.AddMinutes(-5), "sso-access", "directory-sync");
        var newer = await SummaryAsync(customer, Deliveries.Now, "sso-access");

        await Consumer.HandleAsync(newer);
        var patches = Requests("PATCH", $"/api/v1/organizations/{org}/settings").Count;
        await Consumer.HandleAsync(older);

        Assert.Equal(ProcessingStatus.StaleSkipped, (await LedgerRowAsync(older)).Status);
        Assert.Equal(patches, Requests("PATCH", $"/api/v1/organizations/{org}/settings").Count);
        Assert.Equal(new Dictionary<string, bool> { ["sso"] = true, ["dir_sync"] = false }, await FeaturesWrittenAsync(customer));
    }

    [Fact]
    public async Task ALateLinkedOrganization_ReadsTheActiveEntitlementsOnceLinked()
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        var waiting = await WaitingSummaryAsync(customer, "sso-access");
        // Two pages: the list is read to its end.
        host.Stripe.Given(Request.Create().WithPath(ActiveEntitlementsPath).WithParam("customer", customer).WithParam("starting_after", "ent_2").UsingGet()).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { @object = "list", has_more = false, data = new[] { Entitlement("ent_3", "priority-support") } }));
        host.Stripe.Given(Request.Create().WithPath(ActiveEntitlementsPath).WithParam("customer", customer).UsingGet()).AtPriority(2)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { @object = "list", has_more = true, data = new[] { Entitlement("ent_1", "directory-sync"), Entitlement("ent_2", "unmapped") } }));

        StubLookup(customer, org, []);
        StubPatches(org);
        await Consumer.HandleAsync(await DeliverScalekitAsync("organization.created", org, customer));

        var reads = ReadsOf(customer);
        Assert.Equal([null, "ent_2"], reads.Select(r => r.RequestMessage.Query!.TryGetValue("starting_after", out var after) ? after.Single() : null));
        Assert.All(reads, read => Assert.Equal("Bearer sk_test_entitlements", read.RequestMessage.Headers!["Authorization"].Single()));
        Assert.Equal(new Dictionary<string, bool> { ["sso"] = false, ["dir_sync"] = true }, await FeaturesWrittenAsync(customer));
        Assert.Equal(ProcessingStatus.Processed, (await LedgerRowAsync(waiting)).Status);

        // Linked now: a later sync reads nothing more from Stripe.
        await Fixture.Host.Services.GetRequiredService<LateLinkSync>().OrganizationLinkedAsync(customer);
        Assert.Equal(2, ReadsOf(customer).Count);
    }

    [Theory]
    [InlineData(429, "429")]
    [InlineData(503, "503")]
    [InlineData(400, "400")]
    [InlineData(200, "cannot be read")]
    [InlineData(-1, "timed out")]
    public async Task ActiveEntitlementsUnreadable_TheLinkStillSyncsTheLastSummary_AndSaysWhy(int status, string expected)
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        var waiting = await WaitingSummaryAsync(customer, "sso-access");
        var answer = status switch
        {
            -1 => Response.Create().WithStatusCode(200).WithDelay(TimeSpan.FromSeconds(2)).WithBodyAsJson(new { @object = "list", has_more = false, data = Array.Empty<object>() }),
            200 => Response.Create().WithStatusCode(200).WithBody("{\"object\":\"list\",\"data\":\"not a list\"}"),
            _ => Response.Create().WithStatusCode(status).WithBodyAsJson(new { error = new { type = "api_error", message = "Stripe stand-in refused" } }),
        };
        host.Stripe.Given(Request.Create().WithPath(ActiveEntitlementsPath).UsingGet()).RespondWith(answer);

        StubLookup(customer, org, []);
        StubPatches(org);
        await Consumer.HandleAsync(await DeliverScalekitAsync("organization.created", org, customer));

        Assert.Equal(new Dictionary<string, bool> { ["sso"] = true, ["dir_sync"] = false }, await FeaturesWrittenAsync(customer));
        var row = await LedgerRowAsync(waiting);
        Assert.Equal(ProcessingStatus.Processed, row.Status);
        Assert.Contains("active entitlements could not be read", row.Detail, StringComparison.Ordinal);
        Assert.Contains(expected, row.Detail, StringComparison.Ordinal);
    }

    /// <summary>This customer's reads (a timed-out read of an earlier test may still land in the log).</summary>
    private List<WireMock.Logging.ILogEntry> ReadsOf(string customer) =>
        [.. host.Stripe.LogEntries.Where(e => e.RequestMessage.Path == ActiveEntitlementsPath && e.RequestMessage.Query!["customer"].Single() == customer)];

    /// <summary>Every managed feature as the last sync wrote it (a PATCH carries only the ones the organization did not hold yet).</summary>
    private async Task<Dictionary<string, bool>> FeaturesWrittenAsync(string customer) =>
        new((await Fixture.Host.Services.GetRequiredService<CustomerBillingStore>().GetAsync(customer))?.LastAttempt?.Features ?? new Dictionary<string, bool>());

    private async Task<BinaryData> WaitingSummaryAsync(string customer, params string[] keys)
    {
        Api.Given(Request.Create().WithPath($"/api/v1/organizations:external/{customer}").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(404).WithBodyAsJson(new { code = 5, message = "organization not found" }));
        await Consumer.HandleAsync(await DeliverStripeAsync("customer.subscription.updated", customer, at: Deliveries.Now.AddMinutes(-2)));
        var message = await SummaryAsync(customer, Deliveries.Now.AddMinutes(-1), keys);
        await Consumer.HandleAsync(message);
        Assert.Equal(ProcessingStatus.WaitingForOrganization, (await LedgerRowAsync(message)).Status);
        return message;
    }

    private Task<BinaryData> SummaryAsync(string customer, DateTimeOffset at, params string[] keys) =>
        DeliverStripeAsync("entitlements.active_entitlement_summary.updated", new SampleOptions { OccurredAt = at, CustomerId = customer, EntitlementLookupKeys = keys });

    private static object Entitlement(string id, string lookupKey) =>
        new { id, @object = "entitlements.active_entitlement", feature = "feat_" + lookupKey, lookup_key = lookupKey, livemode = false };
}
