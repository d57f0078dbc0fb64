using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Tests.Ingest;

public class IngestOptionsTests
{
    [Fact]
    public void Settings_FlatNames_AreBound()
    {
        var scalekit = WebhookSigner.NewScalekitSecret();
        var previous = WebhookSigner.NewScalekitSecret();
        var options = Resolve(new()
        {
            ["SCALEKIT_WEBHOOK_SECRET"] = $"{scalekit}, {previous}",
            ["STRIPE_WEBHOOK_SECRET"] = "whsec_a whsec_b",
            ["WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS"] = "600",
            ["WEBHOOK_MAX_BODY_BYTES"] = "2048",
            ["STRIPE_API_VERSION_MISMATCH"] = "Reject",
        });

        Assert.Equal([scalekit, previous], options.Sender(ScalekitSource.Id).Secrets);
        Assert.Equal(["whsec_a", "whsec_b"], options.Sender(StripeSource.Id).Secrets);
        Assert.Equal(TimeSpan.FromSeconds(600), options.TimestampTolerance);
        Assert.Equal(2048, options.MaxBodyBytes);
        Assert.Equal(StripeApiVersionPolicy.Reject, options.StripeApiVersionPolicy);
    }

    [Fact]
    public void Settings_Absent_UseDocumentedDefaults()
    {
        var options = Resolve([]);
        Assert.Equal(TimeSpan.FromSeconds(300), options.TimestampTolerance);
        Assert.Equal(1024 * 1024, options.MaxBodyBytes);
        Assert.Equal(StripeApiVersionPolicy.Accept, options.StripeApiVersionPolicy);
        Assert.False(options.Sender(ScalekitSource.Id).IsEnabled);
        Assert.False(options.Sender(StripeSource.Id).IsEnabled);
    }

    [Theory]
    [InlineData("WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS", "86401", "WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS")]
    [InlineData("WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS", "0", "WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS")]
    [InlineData("WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS", "soon", "WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS")]
    [InlineData("WEBHOOK_MAX_BODY_BYTES", "10", "WEBHOOK_MAX_BODY_BYTES")]
    [InlineData("STRIPE_API_VERSION_MISMATCH", "maybe", "STRIPE_API_VERSION_MISMATCH")]
    public void Settings_Invalid_FailNamingTheSettingButNotTheValue(string setting, string value, string named)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(new() { [setting] = value }));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("***not-base64***", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_BrokenSecret_DisablesThatSenderOnly()
    {
        var options = Resolve(new() { ["SCALEKIT_WEBHOOK_SECRET"] = "placeholder", ["STRIPE_WEBHOOK_SECRET"] = WebhookSigner.NewStripeSecret() });

        Assert.False(options.Sender(ScalekitSource.Id).IsEnabled);
        Assert.True(options.Sender(StripeSource.Id).IsEnabled);
    }

    private static IngestOptions Resolve(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var provider = new ServiceCollection().AddLogging().AddScalekitWebhooks(configuration).BuildServiceProvider();
        return provider.GetRequiredService<IOptions<IngestOptions>>().Value;
    }
}
