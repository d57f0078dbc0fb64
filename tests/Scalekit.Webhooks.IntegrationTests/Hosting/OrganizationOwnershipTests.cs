using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.IntegrationTests.Crm;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Onboarding;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;
using Scalekit.Webhooks.Testing.Reliability;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Scalekit.Webhooks.IntegrationTests.Hosting;

/// <summary>
/// Onboarding, billing and the CRM sync at their default metadata modes against one stateful Scalekit stand-in (and
/// WireMock Salesforce): billing's plans give <c>sso</c> and <c>dir_sync</c>, and <c>CRM_ENTERPRISE_FEATURES=sso</c>
/// claims <c>sso</c> too.
/// </summary>
public sealed class OrganizationOwnershipFixture : CrmStandInFixture
{
    public ScalekitStandIn StandIn { get; } = new(serverErrorRate: 0, throttleRate: 0, slowRate: 0, slowDelay: TimeSpan.Zero, seed: 25);

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(base.ExtraSettings)
    {
        ["SCALEKIT_ENVIRONMENT_URL"] = StandIn.Url,
        ["BILLING_PLAN_MAP"] = Processing.ScalekitStandInFixture.PlanMapJson,
        // The defaults: one compact key per writer.
        ["BILLING_METADATA_MODE"] = null,
        ["CRM_METADATA_MODE"] = null,
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        StandIn.Dispose();
    }
}

public class OrganizationOwnershipTests(OrganizationOwnershipFixture host) : CrmTestBase(host), IClassFixture<OrganizationOwnershipFixture>
{
    private ScalekitStandIn StandIn => host.StandIn;

    private Ownership Table => Service<Ownership>();

    [Fact]
    public async Task AllWritersAtDefaults_FitIn8Pairs_EachWritesOnlyItsOwnKeys_AndTheCustomersKeyIsKept()
    {
        var (customer, organization, account) = NewCustomer();

        await EachWriterChangesOnlyItsOwnAsync(customer, FactWriter.Onboarding, () => OnboardAsync(customer, organization, account));
        await EachWriterChangesOnlyItsOwnAsync(customer, FactWriter.Billing, () => BillAsync(customer));
        await EachWriterChangesOnlyItsOwnAsync(customer, FactWriter.Crm, () => SyncCrmAsync(account, type: "Customer - Direct"));

        var metadata = StandIn.MetadataOf(customer)!;
        Assert.True(metadata.Count <= 8, $"{metadata.Count} pairs: {string.Join(", ", metadata.Keys)}");
        Assert.Equal(["billing", "crm", "onboarding", "salesforce_account_id", "tier"], metadata.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("gold", metadata["tier"]);
        Assert.StartsWith("status=active;plan=pro;", metadata["billing"], StringComparison.Ordinal);
        Assert.StartsWith("industry=Banking;annual_revenue=950000;account_owner=Grace Hopper;account_type=Customer - Direct;company_size=120;synced=", metadata["crm"], StringComparison.Ordinal);
        Assert.StartsWith("completed onb_", metadata["onboarding"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task FeatureClaimedByBillingAndTheCrm_BillingDecides_AndStatsNameBothSettings()
    {
        var (customer, organization, account) = NewCustomer();
        await OnboardAsync(customer, organization, account);
        await BillAsync(customer);
        Assert.True(StandIn.FeaturesOf(customer)!["sso"]);

        // The account is not Enterprise: a CRM that owned sso would switch it off; billing owns it, so it stays on.
        await SyncCrmAsync(account, type: "Customer - Direct");

        Assert.True(StandIn.FeaturesOf(customer)!["sso"]);
        using var response = await host.OpsAsync(HttpMethod.Get, "/api/ops/stats?window=1h");
        var crm = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["integrations"]!.AsArray().Single(i => i!["name"]!.GetValue<string>() == "crm")!;
        var problem = Assert.Single(crm["configuration_problems"]!.AsArray())!.GetValue<string>();
        Assert.Contains("'sso'", problem, StringComparison.Ordinal);
        Assert.Contains("BILLING_PLAN_MAP (billing)", problem, StringComparison.Ordinal);
        Assert.Contains("CRM_ENTERPRISE_FEATURES (the CRM sync)", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OldLayout_IsMovedOnEachWritersNextWrite_WithoutTouchingAnotherWritersKeys()
    {
        var (customer, organization, account) = NewCustomer();
        await OnboardAsync(customer, organization, account);
        var oldLayout = new Dictionary<string, string>(StandIn.MetadataOf(customer)!, StringComparer.Ordinal)
        {
            ["subscription_status"] = "trialing", ["plan_type"] = "starter", ["last_billing_update"] = "2026-01-01T00:00:00Z",
            ["industry"] = "Retail", ["last_crm_sync"] = "2026-01-01T00:00:00Z",
            ["onboarding_status"] = "completed",
        };
        await Service<ScalekitClient>().UpdateMetadataAsync(organization, oldLayout, "seed-old-layout");

        await BillAsync(customer);
        var afterBilling = StandIn.MetadataOf(customer)!;
        Assert.Contains("billing", afterBilling.Keys);
        Assert.DoesNotContain("subscription_status", afterBilling.Keys);
        Assert.DoesNotContain("plan_type", afterBilling.Keys);
        Assert.DoesNotContain("last_billing_update", afterBilling.Keys);
        Assert.Equal("Retail", afterBilling["industry"]);
        Assert.Equal("completed", afterBilling["onboarding_status"]);

        await SyncCrmAsync(account, type: "Customer - Direct");
        var afterCrm = StandIn.MetadataOf(customer)!;
        Assert.Contains("crm", afterCrm.Keys);
        Assert.DoesNotContain("industry", afterCrm.Keys);
        Assert.DoesNotContain("last_crm_sync", afterCrm.Keys);
        Assert.Equal(afterBilling["billing"], afterCrm["billing"]);
        Assert.Equal("completed", afterCrm["onboarding_status"]);
        Assert.Equal("gold", afterCrm["tier"]);

        await OnboardAsync(customer, organization, account, completeOnly: true);
        Assert.Equal(["billing", "crm", "onboarding", "salesforce_account_id", "tier"], StandIn.MetadataOf(customer)!.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task OrganizationDetail_ShowsThePairsInUseByWriter_AndTheCustomersOwn()
    {
        var (customer, organization, account) = NewCustomer();
        await OnboardAsync(customer, organization, account);
        await BillAsync(customer);
        await SyncCrmAsync(account, type: "Customer - Direct");
        await ApplyOrganizationEventAsync(organization, customer, StandIn.MetadataOf(customer)!);

        using var response = await host.OpsAsync(HttpMethod.Get, $"/api/ops/organizations/{organization}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var pairs = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["metadata_pairs"]!;
        Assert.Equal(5, pairs["in_use"]!.GetValue<int>());
        Assert.Equal(10, pairs["limit"]!.GetValue<int>());
        Assert.False(pairs["over_budget"]!.GetValue<bool>());
        var byWriter = pairs["by_writer"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.AsArray().Select(k => k!.GetValue<string>()).ToList());
        Assert.Equal(["billing"], byWriter["billing"]);
        Assert.Equal(["crm"], byWriter["crm"]);
        Assert.Equal(["onboarding", "salesforce_account_id"], byWriter["onboarding"]);
        Assert.Equal(["tier"], byWriter["customer"]);
        Assert.Equal(account, JsonNode.Parse(await response.Content.ReadAsStringAsync())!["salesforce_account_id"]!.GetValue<string>());
        var owners = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["feature_owners"]!;
        Assert.Equal("billing", owners["sso"]!.GetValue<string>());
        Assert.Equal("customer", owners["custom_reports"]!.GetValue<string>());
    }

    private (string Customer, string Organization, string Account) NewCustomer()
    {
        var customer = SampleIds.New("cus_");
        var organization = NewOrganizationId();
        StandIn.AddOrganization(organization, customer);
        return (customer, organization, NewAccountId());
    }

    /// <summary>Runs one writer and checks every key it added, changed or removed is its own in the table, the customer's untouched.</summary>
    private async Task EachWriterChangesOnlyItsOwnAsync(string customer, FactWriter writer, Func<Task> write)
    {
        var before = StandIn.MetadataOf(customer)!;
        await write();
        var after = StandIn.MetadataOf(customer)!;

        var touched = before.Keys.Union(after.Keys).Where(key => before.GetValueOrDefault(key) != after.GetValueOrDefault(key)).ToList();
        Assert.NotEmpty(touched);
        Assert.All(touched, key => Assert.True(Table.Owns(writer, FactKind.OrganizationMetadata, key), $"{writer} wrote '{key}', which its part of the ownership table does not hold"));
        Assert.Equal("gold", after["tier"]);
    }

    /// <summary>Onboarding's organization step (on the organization it recorded) and its completion, as the steps queue runs them.</summary>
    private async Task OnboardAsync(string customer, string organization, string account, bool completeOnly = false)
    {
        Salesforce.Given(Request.Create().WithPath($"/services/data/v68.0/sobjects/Account/{account}").UsingGet()).AtPriority(Fallback)
            .RespondWith(Json(new { attributes = new { type = "Account" }, Id = account, Scalekit_Organization_ID__c = (string?)null }));
        var request = new OnboardingRequest("Acme", "ada@acme.example", "pro", customer, account);
        var record = OnboardingRecord.Start(request, TimeProvider.System.GetUtcNow()) with { OrganizationId = organization };
        var steps = Service<OnboardingSteps>();
        if (!completeOnly)
        {
            Assert.Equal(OnboardingStatus.Done, (await steps.RunAsync(OnboardingStep.Organization, record)).Status);
        }

        Assert.Equal(OnboardingStatus.Done, (await steps.RunAsync(OnboardingStep.Completion, record)).Status);
    }

    private async Task BillAsync(string customer)
    {
        var body = StripeSamples.Create("customer.subscription.created", new SampleOptions { OccurredAt = Deliveries.Now, CustomerId = customer, SubscriptionId = SampleIds.New("sub_") }).ToJsonString();
        await DeliverAndHandleAsync("stripe", body, Deliveries.SignStripe(body, host.StripeSecret), StripeSource.Id);
    }

    private async Task SyncCrmAsync(string account, string type)
    {
        Salesforce.ResetMappings();
        Salesforce.Given(Request.Create().WithPath("/services/oauth2/token").UsingPost()).AtPriority(Fallback)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { access_token = "sf-token", instance_url = Salesforce.Url, id = "https://login.salesforce.com/id/00D/005", token_type = "Bearer", issued_at = "1764115200000", signature = "sig" }));
        StubAccountQuery(Page(null, Account(account, TimeProvider.System.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'+0000'", System.Globalization.CultureInfo.InvariantCulture), type: type)));
        StubContactQuery(Page(null));
        var result = await Service<CrmScheduledSync>().RunOnceAsync();
        Assert.Equal(CrmSyncStore.Success, result.Outcome);
    }

    private async Task ApplyOrganizationEventAsync(string organization, string customer, IReadOnlyDictionary<string, string> metadata)
    {
        var envelope = ScalekitSamples.Create("organization.updated", new SampleOptions { OccurredAt = Deliveries.Now.AddMinutes(1), OrganizationId = organization, ExternalId = customer });
        envelope["data"]!["metadata"] = new JsonObject(metadata.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
        envelope["data"]!["settings"] = new JsonObject
        {
            ["features"] = new JsonArray(
                new JsonObject { ["name"] = "sso", ["enabled"] = true },
                new JsonObject { ["name"] = "custom_reports", ["enabled"] = false }),
        };
        var body = envelope.ToJsonString();
        await DeliverAndHandleAsync("scalekit", body, Deliveries.SignScalekit(body, host.ScalekitSecret), ScalekitSource.Id);
    }

    private async Task DeliverAndHandleAsync(string route, string body, IEnumerable<KeyValuePair<string, string>> headers, global::Scalekit.Webhooks.Ingest.WebhookSource source)
    {
        using var response = await host.Client.PostAsync(route, body, headers);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var queue = host.Queue(StorageNames.QueueFor(source));
        var received = (await queue.ReceiveMessageAsync()).Value;
        await queue.DeleteMessageAsync(received.MessageId, received.PopReceipt);
        await Service<EventConsumer>().HandleAsync(received.Body);
    }
}
