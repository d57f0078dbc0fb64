using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Privacy;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Tests.Privacy;

public class NewSettingsTests
{
    [Fact]
    public void Settings_Absent_UseDocumentedDefaults()
    {
        var provider = Provider([]);
        var throttle = provider.GetRequiredService<IOptions<RefusalThrottleOptions>>().Value;
        var retention = provider.GetRequiredService<IOptions<RetentionOptions>>().Value;
        var modes = provider.GetRequiredService<IOptions<EventModeOptions>>().Value;

        Assert.Equal(100, throttle.Limit);
        Assert.Equal(TimeSpan.FromMinutes(1), throttle.Window);
        Assert.Equal(0, throttle.ForwardedForHops);
        Assert.Equal(TimeSpan.FromSeconds(5), throttle.ThrottledFlushInterval);
        Assert.Equal(30, retention.Days);
        Assert.Equal("0 30 2 * * *", retention.Schedule);
        Assert.Null(modes.StripeLivemode);
        Assert.Null(modes.ScalekitEnvironmentId);
    }

    [Fact]
    public void ForwardedForHops_InAzure_StaysZero_TheWorkerAlreadyAppliedTheHostsForwardedFor()
    {
        // WEBSITE_INSTANCE_ID is set on every App Service instance; it used to switch the default to 1.
        var throttle = Provider(new() { ["WEBSITE_INSTANCE_ID"] = "abc123" }).GetRequiredService<IOptions<RefusalThrottleOptions>>().Value;
        Assert.Equal(0, throttle.ForwardedForHops);
        Assert.Equal(10_000, throttle.TrackedAddresses);
    }

    [Theory]
    [InlineData("WEBHOOK_REFUSED_LIMIT", "-1")]
    [InlineData("WEBHOOK_REFUSED_LIMIT", "many")]
    [InlineData("WEBHOOK_REFUSED_WINDOW_SECONDS", "0")]
    [InlineData("WEBHOOK_FORWARDED_FOR_HOPS", "17")]
    [InlineData("WEBHOOK_REFUSED_TRACKED_ADDRESSES", "0")]
    [InlineData("WEBHOOK_THROTTLED_FLUSH_SECONDS", "0")]
    [InlineData("WEBHOOK_THROTTLED_FLUSH_SECONDS", "301")]
    [InlineData("EVENT_PAYLOAD_RETENTION_DAYS", "0")]
    [InlineData("EVENT_PAYLOAD_RETENTION_DAYS", "a month")]
    [InlineData("STRIPE_LIVEMODE", "sometimes")]
    public void Settings_Invalid_FailAtStartNamingTheSetting(string setting, string value)
    {
        var provider = Provider(new() { [setting] = value });
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("true", true, null)]
    [InlineData("true", false, "test-mode")]
    [InlineData("false", true, "live-mode")]
    [InlineData("false", false, null)]
    [InlineData("", true, null)]
    [InlineData("", false, null)]
    public void StripeLivemode_OtherModeEventsAreNamed(string setting, bool eventLive, string? expected)
    {
        var filter = Provider(new() { ["STRIPE_LIVEMODE"] = setting }).GetRequiredService<EventModeFilter>();
        using var document = JsonDocument.Parse($"{{\"id\":\"evt_1\",\"livemode\":{(eventLive ? "true" : "false")}}}");
        var reason = filter.OtherModeReason(StripeSource.Id, document.RootElement);
        if (expected is null)
        {
            Assert.Null(reason);
        }
        else
        {
            Assert.Contains(expected, reason, StringComparison.Ordinal);
            Assert.Contains("STRIPE_LIVEMODE", reason, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("{\"environment_id\":\"env_live\"}", false)]
    [InlineData("{\"environment_id\":\"env_other\"}", true)]
    [InlineData("{}", true)]
    public void ScalekitEnvironment_OtherEnvironmentsAreNamed(string body, bool refused)
    {
        var filter = Provider(new() { ["SCALEKIT_ENVIRONMENT_ID"] = "env_live" }).GetRequiredService<EventModeFilter>();
        using var document = JsonDocument.Parse(body);
        Assert.Equal(refused, filter.OtherModeReason(ScalekitSource.Id, document.RootElement) is not null);
    }

    private static ServiceProvider Provider(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging().AddScalekitWebhooks(configuration);
        services.AddOptions();
        return services.BuildServiceProvider();
    }
}
