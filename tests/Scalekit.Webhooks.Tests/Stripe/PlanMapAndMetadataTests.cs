using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Tests.Stripe;

public class PlanMapAndMetadataTests
{
    [Fact]
    public void PlanMap_Parse_ReadsPlansAndManagedFeatures()
    {
        var map = PlanMap.Parse("{\"pro_monthly\":{\"plan\":\"pro\",\"features\":[\"sso\",\"dir_sync\"]},\"starter\":{\"plan\":\"starter\",\"features\":[]}}");
        Assert.Equal("pro", map.For("pro_monthly").Plan);
        Assert.Equal(["dir_sync", "sso"], map.ManagedFeatures);
        Assert.Empty(map.For("starter").Features);
        Assert.Equal("legacy_key", map.For("legacy_key").Plan);
    }

    private const string BaseAndAddOns = "{\"starter_monthly\":{\"plan\":\"starter\",\"features\":[]},\"pro_monthly\":{\"plan\":\"pro\",\"features\":[\"sso\"]},\"dir_sync_addon\":{\"features\":[\"dir_sync\"]}}";

    [Theory]
    [InlineData("pro_monthly", "dir_sync_addon")]
    [InlineData("dir_sync_addon", "pro_monthly")]
    public void PlanMap_BaseAndAddOn_InEitherOrder_PlanFromTheBaseAndFeaturesFromBoth(string first, string second)
    {
        var plan = PlanMap.Parse(BaseAndAddOns).For([first, second]);

        Assert.Equal("pro", plan.Plan);
        Assert.Equal("pro_monthly", plan.LookupKey);
        Assert.Equal(["sso", "dir_sync"], plan.Features);
    }

    [Fact]
    public void PlanMap_TwoPlanItems_ThePlanListedFirstInTheMapWins()
    {
        var plan = PlanMap.Parse(BaseAndAddOns).For(["pro_monthly", "starter_monthly"]);

        Assert.Equal("starter", plan.Plan);
        Assert.Equal(["sso"], plan.Features);
    }

    [Fact]
    public void PlanMap_AddOnWithAnUnmappedBase_PlanIsTheUnmappedKeyAndTheAddOnAddsItsFeatures()
    {
        var plan = PlanMap.Parse(BaseAndAddOns).For(["dir_sync_addon", "legacy_key"]);

        Assert.Equal("legacy_key", plan.Plan);
        Assert.Equal(["dir_sync"], plan.Features);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"pro\":{\"features\":[]}}")]
    [InlineData("{\"pro\":{\"plan\":\"pro\",\"features\":[1]}}")]
    [InlineData("{\"pro\":{\"plan\":null,\"features\":[\"sso\"]}}")]
    [InlineData("{\"pro\":{\"plan\":\"pro\"},\"pro\":{\"plan\":\"pro2\"}}")]
    public void PlanMap_Parse_InvalidSetting_NamesIt(string json)
    {
        var error = Assert.Throws<FormatException>(() => PlanMap.Parse(json));
        Assert.Contains(PlanMap.Setting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PlanMap_Parse_UnknownFeature_IsRefusedListingTheKnownOnes()
    {
        var error = Assert.Throws<FormatException>(() => PlanMap.Parse("{\"pro\":{\"plan\":\"pro\",\"features\":[\"directory_sync\"]}}"));
        Assert.Contains("'directory_sync'", error.Message, StringComparison.Ordinal);
        Assert.Contains("known features: sso, dir_sync", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Metadata_WithinLimits_IsValid()
    {
        Assert.Null(MetadataBudget.Validate(new Dictionary<string, string> { ["abc"] = "x", [new string('k', 25)] = new string('v', 256) }));
    }

    [Theory]
    [InlineData("ab", "x", "3 to 25")]
    [InlineData("this_key_is_far_too_long_26", "x", "3 to 25")]
    [InlineData("plan_type", "", "1 to 256")]
    public void Metadata_KeyOrValueOutOfLimits_SaysWhich(string key, string value, string expected)
    {
        Assert.Contains(expected, MetadataBudget.Validate(new Dictionary<string, string> { [key] = value }), StringComparison.Ordinal);
    }

    [Fact]
    public void Metadata_ElevenPairs_IsRefused()
    {
        var metadata = Enumerable.Range(0, 11).ToDictionary(i => $"key_{i}", i => "v");
        Assert.Contains("at most 10", MetadataBudget.Validate(metadata), StringComparison.Ordinal);
    }

    [Fact]
    public void EventStamp_OrdersByTimeThenEventId()
    {
        var t = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        Assert.True(new EventStamp(t, "evt_b", "x") > new EventStamp(t, "evt_a", "x"));
        Assert.True(new EventStamp(t.AddTicks(1), "evt_a", "x") > new EventStamp(t, "evt_z", "x"));
    }
}
