using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Scalekit.Webhooks.LocalHost;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Testing;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>A private Azurite and the local host on a free loopback port, with consumers and timers off.</summary>
public sealed class BenchmarkHost : IAsyncDisposable
{
    private BenchmarkHost(Azurite storage, WebApplication host, string scalekitSecret, string stripeSecret)
    {
        Storage = storage;
        Host = host;
        ScalekitSecret = scalekitSecret;
        StripeSecret = stripeSecret;
    }

    public Azurite Storage { get; }

    public WebApplication Host { get; }

    public string ScalekitSecret { get; }

    public string StripeSecret { get; }

    public Uri BaseAddress => new(Host.Urls.First());

    public StorageClients Clients => Host.Services.GetRequiredService<StorageClients>();

    public static async Task<BenchmarkHost> StartAsync()
    {
        var storage = await Azurite.StartNewAsync();
        var secret = WebhookSigner.NewScalekitSecret();
        var stripeSecret = WebhookSigner.NewStripeSecret();
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storage.ConnectionString,
            ["SCALEKIT_WEBHOOK_SECRET"] = secret,
            ["STRIPE_WEBHOOK_SECRET"] = stripeSecret,
            ["LOCAL_QUEUE_TRIGGERS_ENABLED"] = "false",
            ["LOCAL_TIMERS_ENABLED"] = "false",
            ["LOCAL_PRINT_BANNER"] = "false",
            ["LOCAL_SETTINGS_PATH"] = Path.Combine(Path.GetTempPath(), "skfn-no-local-settings.json"),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var host = LocalHostApp.Build(["--urls", "http://127.0.0.1:0"], settings);
        await host.StartAsync();
        return new BenchmarkHost(storage, host, secret, stripeSecret);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        await Host.DisposeAsync();
        await Storage.DisposeAsync();
    }
}
