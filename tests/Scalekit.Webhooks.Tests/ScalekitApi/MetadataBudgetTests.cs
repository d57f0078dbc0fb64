using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;

namespace Scalekit.Webhooks.Tests.Stripe;

public class MetadataBudgetTests
{
    private static readonly string[] Owned = ["subscription_status", "plan_type", "billing"];

    [Fact]
    public void Merge_KeepsOtherKeys_ReplacesOwnedOnes_AndDropsOwnedKeysNoLongerWanted()
    {
        var current = new Dictionary<string, string> { ["tier"] = "gold", ["plan_type"] = "old", ["billing"] = "status=x" };
        var merge = MetadataBudget.Merge(current, Owned, new Dictionary<string, string> { ["plan_type"] = "pro", ["subscription_status"] = "active" }, "billing");

        Assert.True(merge.Fits);
        Assert.True(merge.Changed);
        Assert.Equal(new Dictionary<string, string> { ["tier"] = "gold", ["plan_type"] = "pro", ["subscription_status"] = "active" }, merge.Metadata);
    }

    [Fact]
    public void Merge_SameValues_IsUnchanged()
    {
        var current = new Dictionary<string, string> { ["tier"] = "gold", ["plan_type"] = "pro" };
        Assert.False(MetadataBudget.Merge(current, Owned, new Dictionary<string, string> { ["plan_type"] = "pro" }, "billing").Changed);
    }

    [Fact]
    public void Merge_NoRoomForTheWritersKeys_IsRefusedNamingTheOrganizationsKeysAndTheBudget()
    {
        var current = Enumerable.Range(0, 8).ToDictionary(i => $"own_key_{i}", _ => "v");
        var merge = MetadataBudget.Merge(current, Owned, new Dictionary<string, string> { ["subscription_status"] = "active", ["plan_type"] = "pro", ["last_billing_update"] = "t" }, "billing");

        Assert.False(merge.Fits);
        Assert.Contains("11 pairs and Scalekit allows 10", merge.Refusal, StringComparison.Ordinal);
        Assert.Contains("other keys (8: own_key_0, own_key_1", merge.Refusal, StringComparison.Ordinal);
        Assert.Contains("leave 2 for billing, which needs 3", merge.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Merge_ValueTooLong_IsRefused()
    {
        var merge = MetadataBudget.Merge(new Dictionary<string, string>(), Owned, new Dictionary<string, string> { ["billing"] = new string('x', 257) }, "billing");
        Assert.Contains("257 characters; Scalekit allows 1 to 256", merge.Refusal, StringComparison.Ordinal);
    }
}
