using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;

namespace Scalekit.Webhooks.IntegrationTests.Processing;

/// <summary>A plan map with a base plan that grants sso and an add-on that only grants dir_sync.</summary>
public sealed class AddOnPlanMapFixture : ScalekitStandInFixture
{
    public const string AddOnMapJson = "{\"pro_monthly\":{\"plan\":\"pro\",\"features\":[\"sso\"]},\"dir_sync_addon\":{\"features\":[\"dir_sync\"]}}";

    protected override IReadOnlyDictionary<string, string?> MoreSettings => new Dictionary<string, string?> { ["BILLING_PLAN_MAP"] = AddOnMapJson };
}

public class SubscriptionItemsTests(AddOnPlanMapFixture host) : BillingTestBase(host), IClassFixture<AddOnPlanMapFixture>
{
    [Theory]
    [InlineData("pro_monthly", "dir_sync_addon")]
    [InlineData("dir_sync_addon", "pro_monthly")]
    public async Task BasePlusAddOn_InEitherItemOrder_PlanFromTheBaseAndBothFeaturesOn(string first, string second)
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        StubLookup(customer, org, []);
        StubPatches(org);

        var message = await DeliverStripeAsync("customer.subscription.updated", new SampleOptions
        {
            OccurredAt = Deliveries.Now,
            CustomerId = customer,
            SubscriptionId = SampleIds.New("sub_"),
            ItemLookupKeys = [first, second],
        });
        await Consumer.HandleAsync(message);

        Assert.Equal(ProcessingStatus.Processed, (await LedgerRowAsync(message)).Status);
        var metadata = LastPatchBody(Requests("PATCH", $"/api/v1/organizations/{org}"))["metadata"]!.AsObject();
        Assert.Equal("pro", metadata["plan_type"]!.GetValue<string>());
        Assert.Equal(new Dictionary<string, bool> { ["sso"] = true, ["dir_sync"] = true }, FeaturesOf(LastPatchBody(Requests("PATCH", $"/api/v1/organizations/{org}/settings"))));
    }

    [Fact]
    public async Task BaseWithoutTheAddOn_DirSyncStaysOff()
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        StubLookup(customer, org, [], features: new() { ["sso"] = false, ["dir_sync"] = true });
        StubPatches(org);

        var message = await DeliverStripeAsync("customer.subscription.updated", customer, lookupKey: "pro_monthly");
        await Consumer.HandleAsync(message);

        Assert.Equal(new Dictionary<string, bool> { ["sso"] = true, ["dir_sync"] = false }, FeaturesOf(LastPatchBody(Requests("PATCH", $"/api/v1/organizations/{org}/settings"))));
    }
}
