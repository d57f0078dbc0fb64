using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Tests.Stripe;

public class BillingStateTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    private static SubscriptionFacts Sub(string id, string status, string plan, int createdMinutes, int eventMinutes, params string[] features) =>
        new(id, status, plan, features, T0.AddDays(30), T0.AddMinutes(createdMinutes), T0.AddMinutes(eventMinutes));

    [Fact]
    public void UpgradeThenOldOneCancelled_TheNewSubscriptionGoverns()
    {
        var state = BillingState.From([Sub("sub_old", "canceled", "pro", 0, 20, "sso"), Sub("sub_new", "active", "enterprise", 10, 11, "sso", "dir_sync")], null, null)!;

        Assert.Equal("sub_new", state.SubscriptionId);
        Assert.Equal("active", state.Status);
        Assert.Equal("enterprise", state.Plan);
        Assert.Equal(["sso", "dir_sync"], state.Features);
        Assert.Equal(T0.AddMinutes(20), state.UpdatedAt);
    }

    [Fact]
    public void TwoLiveSubscriptions_TheNewestGoverns_AndActiveBeatsPastDue()
    {
        Assert.Equal("sub_b", BillingState.From([Sub("sub_a", "active", "pro", 0, 1), Sub("sub_b", "trialing", "team", 5, 6)], null, null)!.SubscriptionId);
        Assert.Equal("sub_a", BillingState.From([Sub("sub_a", "active", "pro", 0, 1), Sub("sub_b", "past_due", "team", 5, 6)], null, null)!.SubscriptionId);
    }

    [Fact]
    public void AllCancelled_TheNewestCancelledGoverns_WithNoFeatures()
    {
        var state = BillingState.From([Sub("sub_a", "canceled", "pro", 0, 1, "sso"), Sub("sub_b", "incomplete_expired", "team", 5, 6, "sso")], null, null)!;
        Assert.Equal("sub_b", state.SubscriptionId);
        Assert.Empty(state.Features);
    }

    [Fact]
    public void CustomerDeleted_AddsTheDeletionAndSwitchesFeaturesOff()
    {
        var options = new BillingOptions { Mode = BillingMetadataMode.Keys };
        var state = BillingState.From([Sub("sub_a", "active", "pro", 0, 1, "sso")], T0.AddHours(1), T0.AddHours(1))!;
        var metadata = state.Metadata(options);

        Assert.Empty(state.Features);
        Assert.Equal("deleted", metadata["billing_status"]);
        Assert.Equal("2027-01-15T09:00:00Z", metadata["deletion_date"]);
        Assert.Equal("2027-01-15T09:00:00Z", metadata["last_billing_update"]);
        Assert.Equal("active", metadata["subscription_status"]);
    }

    [Fact]
    public void NoSubscriptionsAndNoDeletion_IsNoState() => Assert.Null(BillingState.From([], null, null));

    [Fact]
    public void CompactMode_WritesOneKeyWithEveryFact()
    {
        var options = new BillingOptions { Mode = BillingMetadataMode.Compact };
        var metadata = BillingState.From([Sub("sub_a", "active", "pro", 0, 1)], null, null)!.Metadata(options);

        var pair = Assert.Single(metadata);
        Assert.Equal("billing", pair.Key);
        Assert.Equal("status=active;plan=pro;period_end=2027-02-14T08:00:00Z;updated=2027-01-15T08:01:00Z", pair.Value);
    }

    [Fact]
    public void Options_RenamedKeys_AreUsed()
    {
        var options = Bind(new() { [BillingOptions.ModeSetting] = "keys", [BillingOptions.KeysSetting] = "plan_type=plan, last_billing_update=billing_updated" });
        var metadata = BillingState.From([Sub("sub_a", "active", "pro", 0, 1)], null, null)!.Metadata(options);

        Assert.Equal("pro", metadata["plan"]);
        Assert.True(metadata.ContainsKey("billing_updated"));
        Assert.False(metadata.ContainsKey("plan_type"));
    }

    [Theory]
    [InlineData(BillingOptions.ModeSetting, "verbose", "BILLING_METADATA_MODE must be 'keys' or 'compact'")]
    [InlineData(BillingOptions.KeysSetting, "plan_type=pt", "BILLING_METADATA_KEYS: 'plan_type=pt' must be default=name with a name of 3 to 25")]
    [InlineData(BillingOptions.KeysSetting, "tier=plan", "BILLING_METADATA_KEYS: unknown key 'tier'")]
    [InlineData(BillingOptions.KeysSetting, "plan_type=subscription_status", "two billing keys have the same name")]
    [InlineData(BillingOptions.LateLinkWindowSetting, "-1", "BILLING_LATE_LINK_WINDOW_HOURS must be a number of hours from 0.0001 to 8760")]
    [InlineData(BillingOptions.LateLinkWindowSetting, "8761", "BILLING_LATE_LINK_WINDOW_HOURS must be a number of hours from 0.0001 to 8760")]
    [InlineData(BillingOptions.SyncLeaseSetting, "0", "BILLING_SYNC_LEASE_SECONDS must be a number of seconds from 1 to 3600")]
    [InlineData(BillingOptions.SyncLeaseSetting, "soon", "BILLING_SYNC_LEASE_SECONDS must be a number of seconds")]
    [InlineData("BILLING_PLAN_MAP", "{\"pro\":{\"plan\":\"pro\",\"features\":[\"directory_sync\"]}}", "known features: sso, dir_sync")]
    public void Options_InvalidSetting_TurnsOnlyBillingOffNamingIt(string setting, string value, string expected)
    {
        var problem = Bind(new() { [setting] = value }).Problem;
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    private static BillingOptions Bind(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var provider = new ServiceCollection().AddLogging().AddScalekitWebhooks(configuration).BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();
        return provider.GetRequiredService<IOptions<BillingOptions>>().Value;
    }
}
