using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Stripe;
using Scalekit.Webhooks.Stripe.Entitlements;
using Scalekit.Webhooks.Stripe.Seats;

namespace Scalekit.Webhooks.Tests.Stripe;

public class SeatSyncOptionsTests
{
    [Fact]
    public void Unset_SeatSyncIsOff_AndHearsNoMembershipEvent()
    {
        using var provider = Provider([]);

        var options = provider.GetRequiredService<IOptions<SeatSyncOptions>>().Value;
        Assert.False(options.IsEnabled);
        Assert.Null(options.Problem);
        Assert.False(provider.GetRequiredService<SeatMembershipListener>().Hears("user.organization_membership_created"));
    }

    [Fact]
    public void ASeatPrice_TurnsItOn_WithTheDefaults()
    {
        using var provider = Provider(new() { [SeatSyncOptions.SeatPriceSetting] = "seat_monthly" });

        var options = provider.GetRequiredService<IOptions<SeatSyncOptions>>().Value;
        Assert.True(options.IsEnabled);
        Assert.Equal("create_prorations", options.Proration);
        Assert.Equal(TimeSpan.FromSeconds(60), options.Delay);
        var listener = provider.GetRequiredService<SeatMembershipListener>();
        Assert.True(listener.Hears("user.organization_membership_deleted"));
        Assert.False(listener.Hears("user.login"));
    }

    [Theory]
    [InlineData(SeatSyncOptions.ProrationSetting, "sometimes")]
    [InlineData(SeatSyncOptions.DelaySetting, "soon")]
    [InlineData(SeatSyncOptions.DelaySetting, "-1")]
    [InlineData(SeatSyncOptions.DelaySetting, "7200")]
    [InlineData(SeatSyncOptions.SeatPriceSetting, null)]
    public void ABrokenSetting_TurnsOffSeatSyncAlone_NamingIt(string setting, string? value)
    {
        var settings = new Dictionary<string, string?> { [SeatSyncOptions.SeatPriceSetting] = "seat_monthly", [setting] = value ?? new string('k', 201) };
        using var provider = Provider(settings);

        // Start-up goes on, and the rest of billing keeps its settings.
        provider.GetRequiredService<IStartupValidator>().Validate();
        var options = provider.GetRequiredService<IOptions<SeatSyncOptions>>().Value;
        Assert.False(options.IsEnabled);
        Assert.Contains(setting, options.Problem, StringComparison.Ordinal);
        Assert.False(provider.GetRequiredService<SeatMembershipListener>().Hears("user.organization_membership_created"));
        Assert.Null(provider.GetRequiredService<IOptions<BillingOptions>>().Value.Problem);
        Assert.Null(provider.GetRequiredService<IOptions<BillingFeatureOptions>>().Value.Problem);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("always_invoice")]
    public void EachOfStripesProrationBehaviours_IsTaken(string proration)
    {
        using var provider = Provider(new() { [SeatSyncOptions.SeatPriceSetting] = "seat_monthly", [SeatSyncOptions.ProrationSetting] = proration });

        var options = provider.GetRequiredService<IOptions<SeatSyncOptions>>().Value;
        Assert.True(options.IsEnabled);
        Assert.Equal(proration, options.Proration);
    }

    [Fact]
    public void TheIdempotencyKey_IsTheSameForTheSameSync_AndDiffersForAnotherQuantityOrSync()
    {
        var key = SeatSync.IdempotencyKey("org_1", "si_1", 3, 7);

        Assert.Equal(key, SeatSync.IdempotencyKey("org_1", "si_1", 3, 7));
        Assert.NotEqual(key, SeatSync.IdempotencyKey("org_1", "si_1", 4, 7));
        Assert.NotEqual(key, SeatSync.IdempotencyKey("org_1", "si_1", 3, 8));
        Assert.NotEqual(key, SeatSync.IdempotencyKey("org_1", "si_2", 3, 7));
        Assert.NotEqual(key, SeatSync.IdempotencyKey("org_2", "si_1", 3, 7));
        Assert.True(key.Length <= 255, "Stripe takes keys of up to 255 characters");
    }

    [Theory]
    [InlineData("""{"organization_id":"org_1","generation":2}""", true)]
    [InlineData("""{"organization_id":"org_1","generation":"2"}""", false)]
    [InlineData("""{"generation":2}""", false)]
    [InlineData("""not json""", false)]
    public void AQueueMessage_IsReadOnlyWhenWhole(string body, bool readable)
    {
        var request = SeatSyncRequest.TryParse(BinaryData.FromString(body));

        Assert.Equal(readable, request is not null);
        if (readable)
        {
            Assert.Equal(new SeatSyncRequest("org_1", 2), request);
            Assert.Equal(request, SeatSyncRequest.TryParse(request!.ToMessage()));
        }
    }

    /// <summary>The core's services; the storage clients are made (the listener needs them) but never reach Azurite.</summary>
    private static ServiceProvider Provider(Dictionary<string, string?> settings)
    {
        settings.TryAdd("AzureWebJobsStorage", "UseDevelopmentStorage=true");
        return new ServiceCollection().AddLogging().AddScalekitWebhooks(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()).BuildServiceProvider();
    }
}
