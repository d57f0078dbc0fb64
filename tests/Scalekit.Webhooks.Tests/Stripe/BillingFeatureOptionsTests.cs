using Microsoft.Extensions.Configuration;
using Scalekit.Webhooks.Stripe;
using Scalekit.Webhooks.Stripe.Entitlements;

namespace Scalekit.Webhooks.Tests.Stripe;

public class BillingFeatureOptionsTests
{
    private static readonly PlanMap Plans = PlanMap.Parse("{\"pro\":{\"plan\":\"pro\",\"features\":[\"sso\"]}}");

    [Fact]
    public void Unset_IsThePlanMap()
    {
        var options = Bind([]);

        Assert.Equal(BillingFeatureSource.PlanMap, options.Source);
        Assert.Null(options.Problem);
        Assert.Equal(["sso"], options.Managed(Plans));
    }

    [Fact]
    public void Entitlements_ManageTheMappedFeatures_AndMapLookupKeys()
    {
        var options = Bind(new() { [BillingFeatureOptions.SourceSetting] = "entitlements", [BillingFeatureOptions.EntitlementFeaturesSetting] = """{"sso-access":"sso","directory-sync":"dir_sync"}""" });

        Assert.True(options.UsesEntitlements);
        Assert.Equal(["dir_sync", "sso"], options.Managed(Plans));
        Assert.Equal(["sso"], options.FeaturesFor(["sso-access", "priority-support"]));
    }

    [Theory]
    [InlineData("stripe", null, BillingFeatureOptions.SourceSetting)]
    [InlineData("entitlements", null, BillingFeatureOptions.EntitlementFeaturesSetting)]
    [InlineData("entitlements", "not json", BillingFeatureOptions.EntitlementFeaturesSetting)]
    [InlineData("entitlements", "[\"sso\"]", BillingFeatureOptions.EntitlementFeaturesSetting)]
    [InlineData("entitlements", """{"sso-access":"single_sign_on"}""", "Scalekit knows: sso, dir_sync")]
    [InlineData("entitlements", """{"sso-access":1}""", BillingFeatureOptions.EntitlementFeaturesSetting)]
    public void ABrokenSetting_NamesIt_AndBillingSwitchesNoFeatures(string source, string? map, string expected)
    {
        var options = Bind(new() { [BillingFeatureOptions.SourceSetting] = source, [BillingFeatureOptions.EntitlementFeaturesSetting] = map });

        Assert.Contains(expected, options.Problem, StringComparison.Ordinal);
        Assert.False(options.UsesEntitlements);
        Assert.Empty(options.Managed(Plans));
    }

    [Fact]
    public void ABrokenEntitlementMap_WithThePlanMap_IsReported_AndThePlanMapStillSwitches()
    {
        var options = Bind(new() { [BillingFeatureOptions.EntitlementFeaturesSetting] = "not json" });

        Assert.Contains(BillingFeatureOptions.EntitlementFeaturesSetting, options.Problem, StringComparison.Ordinal);
        Assert.Equal(["sso"], options.Managed(Plans));
    }

    [Fact]
    public void WithEntitlements_UnknownBeforeTheFirstSummary_SwitchesNothing_AndADeletedCustomerHasNone()
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var state = new BillingState("sub_1", "active", "pro", null, ["sso"], at, null);

        Assert.Empty(BillingState.WithEntitlements(state, null, null)!.FeatureSwitches(["sso", "dir_sync"]));
        var entitled = BillingState.WithEntitlements(state, ["dir_sync"], at.AddMinutes(1))!;
        Assert.Equal(new Dictionary<string, bool> { ["sso"] = false, ["dir_sync"] = true }, entitled.FeatureSwitches(["sso", "dir_sync"]));
        Assert.Equal(at.AddMinutes(1), entitled.UpdatedAt);
        Assert.Empty(BillingState.WithEntitlements(state with { DeletedAt = at }, ["dir_sync"], at)!.Features);
        Assert.Equal(["sso"], BillingState.WithEntitlements(null, ["sso"], at)!.Features);
        Assert.Null(BillingState.WithEntitlements(null, null, null));
    }

    private static BillingFeatureOptions Bind(Dictionary<string, string?> settings)
    {
        var options = new BillingFeatureOptions();
        BillingFeatureOptions.Bind(options, new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        return options;
    }
}
