using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Scalekit.Webhooks.LocalHost;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Testing;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>A private Azurite and the local host on a free loopback port, with consumers and timers off.</summary>
public sealed class BenchmarkHost : IAsyncDisposable
{
    private BenchmarkHost(Azurite storage, WebApplication host, string scalekitSecret, string stripeSecret, StorageOperationCounters operations)
    {
        Operations = operations;
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

    /// <summary>Counts the host's storage requests by kind (<c>queue send</c>, <c>table read</c>, …).</summary>
    public StorageOperationCounters Operations { get; }

    /// <param name="settings">Settings added to (or overriding) the benchmark's own.</param>
    public static async Task<BenchmarkHost> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var storage = await Azurite.StartNewAsync();
        var secret = WebhookSigner.NewScalekitSecret();
        var stripeSecret = WebhookSigner.NewStripeSecret();
        var all = new Dictionary<string, string?>
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
        foreach (var (name, value) in settings ?? new Dictionary<string, string?>())
        {
            all[name] = value;
        }

        var operations = new StorageOperationCounters();
        var host = LocalHostApp.Build(["--urls", "http://127.0.0.1:0"], all, services =>
        {
            services.RemoveAll<StorageClients>();
            services.AddSingleton(operations.Clients(storage.ConnectionString));
        });
        await host.StartAsync();
        return new BenchmarkHost(storage, host, secret, stripeSecret, operations);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        await Host.DisposeAsync();
        await Storage.DisposeAsync();
    }
}
