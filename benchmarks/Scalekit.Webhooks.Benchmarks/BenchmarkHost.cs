using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.LocalHost;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Testing;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>A private Azurite and the local host on a free loopback port, with consumers and timers off.</summary>
public sealed class BenchmarkHost : IAsyncDisposable
{
    private BenchmarkHost(Azurite storage, WebApplication host, string scalekitSecret, string stripeSecret, StorageOperationCounters operations, string pinning)
    {
        Pinning = pinning;
        Operations = operations;
        Storage = storage;
        Host = host;
        ScalekitSecret = scalekitSecret;
        StripeSecret = stripeSecret;
    }

    /// <summary>A benchmark-only route: reads the posted body and answers 201, touching no storage.</summary>
    public const string EchoPath = "/bench/echo";

    /// <summary>
    /// A benchmark-only route: reads the posted body, sends the envelope a delivery of it would get to
    /// <see cref="HopSendQueue"/> with the host's queue clients, and answers as <see cref="EchoPath"/> does: an HTTP hop
    /// plus a raw send, without the product's request handling (routing to it, verification, parsing, metrics).
    /// </summary>
    public const string EchoSendPath = "/bench/echo-send";

    /// <summary>The queue <see cref="EchoSendPath"/> sends to.</summary>
    public const string HopSendQueue = "bench-hop-sends";

    private static readonly byte[] EchoAnswer = """{"status":"accepted","event_id":"evt_00000000000000000000000000","event_type":"organization.updated","delivery_id":"msg_00000000000000000000000000"}"""u8.ToArray();

    public Azurite Storage { get; }

    public WebApplication Host { get; }

    public string ScalekitSecret { get; }

    public string StripeSecret { get; }

    public Uri BaseAddress => new(Host.Urls.First());

    public StorageClients Clients => Host.Services.GetRequiredService<StorageClients>();

    /// <summary>Where Azurite and this process run, for the output: "not pinned" or the two CPU lists.</summary>
    public string Pinning { get; }

    /// <summary>Counts the host's storage requests by kind (<c>queue send</c>, <c>table read</c>, …).</summary>
    public StorageOperationCounters Operations { get; }

    /// <param name="settings">Settings added to (or overriding) the benchmark's own.</param>
    /// <param name="pin">
    /// Azurite on CPU 0 and this process (sender, host, raw sends alike) on the others, as in Azure where the store is
    /// another machine; Linux with taskset and two or more CPUs only, else not pinned.
    /// </param>
    public static async Task<BenchmarkHost> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, bool pin = false)
    {
        pin &= OperatingSystem.IsLinux() && Environment.ProcessorCount >= 2 && File.Exists("/usr/bin/taskset");
        var others = Environment.ProcessorCount == 2 ? "1" : $"1-{Environment.ProcessorCount - 1}";
        var pinning = "not pinned";
        if (pin)
        {
            await PinThisProcessAsync(others);
            pinning = $"pinned: Azurite on CPU 0, this process on CPU {others}";
        }

        var storage = await Azurite.StartNewAsync(pin ? "0" : null);
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
        // The HTTP part of a delivery without the ingest: the request read whole, a 201 with a small JSON body.
        host.MapPost(EchoPath, async context =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            context.Response.StatusCode = 201;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = EchoAnswer.Length;
            await context.Response.Body.WriteAsync(EchoAnswer);
        });
        var hopSends = host.Services.GetRequiredService<StorageClients>().Queue(HopSendQueue);
        host.MapPost(EchoSendPath, async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var envelope = EnvelopeCodec.Encode(new EventEnvelope
            {
                Source = ScalekitSource.Id,
                DeliveryId = "msg_raw",
                EventId = "evt_raw",
                EventType = "organization.updated",
                ReceivedAt = DateTimeOffset.UnixEpoch,
                InlinePayload = body.ToArray(),
            });
            await hopSends.SendMessageAsync(BinaryData.FromBytes(envelope), visibilityTimeout: null, timeToLive: TimeSpan.FromSeconds(-1));
            context.Response.StatusCode = 201;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = EchoAnswer.Length;
            await context.Response.Body.WriteAsync(EchoAnswer);
        });
        await host.StartAsync();
        return new BenchmarkHost(storage, host, secret, stripeSecret, operations, pinning);
    }

    /// <summary>Every thread of this process, and so every thread it starts later, on <paramref name="cores"/>.</summary>
    private static async Task PinThisProcessAsync(string cores)
    {
        var start = new System.Diagnostics.ProcessStartInfo("taskset") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-a", "-c", "-p", cores, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        using var taskset = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("Could not start taskset.");
        await taskset.StandardOutput.ReadToEndAsync();
        await taskset.WaitForExitAsync();
        if (taskset.ExitCode != 0)
        {
            throw new InvalidOperationException($"taskset could not pin this process to CPU {cores} (exit code {taskset.ExitCode}).");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        await Host.DisposeAsync();
        await Storage.DisposeAsync();
    }
}
