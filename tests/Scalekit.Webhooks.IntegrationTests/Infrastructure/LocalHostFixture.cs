using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.LocalHost;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Storage;

using Scalekit.Webhooks.Testing;

namespace Scalekit.Webhooks.IntegrationTests.Infrastructure;

/// <summary>
/// Azurite plus the real local host listening on a free loopback port. Queue triggers are off unless a subclass turns
/// them on, so ingest tests can read what landed in the queues.
/// </summary>
public class LocalHostFixture : IAsyncLifetime
{
    public string ScalekitSecret { get; } = WebhookSigner.NewScalekitSecret();

    public string PreviousScalekitSecret { get; } = WebhookSigner.NewScalekitSecret();

    public string StripeSecret { get; } = WebhookSigner.NewStripeSecret();

    /// <summary>The HR connection most tests deliver on, bound to <see cref="HrOrganization"/>.</summary>
    public const string HrConnection = "acme";

    public const string HrOrganization = "org_hr_acme";

    /// <summary>A second customer's HR connection, bound to <see cref="OtherHrOrganization"/>.</summary>
    public const string OtherHrConnection = "globex";

    public const string OtherHrOrganization = "org_hr_globex";

    /// <summary>A connection whose secret is missing: it alone answers 503.</summary>
    public const string BrokenHrConnection = "broken";

    public string HrSecret { get; } = WebhookSigner.NewScalekitSecret();

    public string PreviousHrSecret { get; } = WebhookSigner.NewScalekitSecret();

    public string OtherHrSecret { get; } = WebhookSigner.NewScalekitSecret();

    public string OpsKey { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));

    public Azurite Storage { get; private set; } = null!;

    /// <summary>Everything the host logged at Information and above.</summary>
    public CollectedLogs Logs { get; } = new();

    public WebApplication Host { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public StorageClients Clients => Host.Services.GetRequiredService<StorageClients>();

    protected virtual bool QueueTriggersEnabled => false;

    /// <summary>A clock for the host, or null for the system clock.</summary>
    protected virtual TimeProvider? Clock => null;

    protected virtual IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>();

    /// <summary>Last-word service changes for the host (a log collector, say).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public virtual async Task InitializeAsync()
    {
        Storage = await Azurite.StartNewAsync();
        await StartHostAsync();
    }

    public async Task StartHostAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = Storage.ConnectionString,
            [IngestOptions.ScalekitSecretSetting] = $"{ScalekitSecret} {PreviousScalekitSecret}",
            [IngestOptions.StripeSecretSetting] = StripeSecret,
            [$"HR_CONNECTIONS:{HrConnection}:ORGANIZATION_ID"] = HrOrganization,
            [$"HR_CONNECTIONS:{HrConnection}:SIGNING_SECRET"] = $"{HrSecret} {PreviousHrSecret}",
            [$"HR_CONNECTIONS:{OtherHrConnection}:ORGANIZATION_ID"] = OtherHrOrganization,
            [$"HR_CONNECTIONS:{OtherHrConnection}:SIGNING_SECRET"] = OtherHrSecret,
            [$"HR_CONNECTIONS:{BrokenHrConnection}:ORGANIZATION_ID"] = "org_hr_broken",
            ["LOCAL_QUEUE_TRIGGERS_ENABLED"] = QueueTriggersEnabled ? "true" : "false",
            ["LOCAL_PRINT_BANNER"] = "false",
            ["LOCAL_TIMERS_ENABLED"] = "false",
            ["ADMIN_API_KEY"] = OpsKey,
            ["LOCAL_SETTINGS_PATH"] = Path.Combine(Path.GetTempPath(), "skfn-no-local-settings.json"),
            // Most tests read billing's and the CRM's facts key by key; a fixture that sets these to null runs the
            // defaults (one compact key each), as MetadataBudgetTests does.
            ["BILLING_METADATA_MODE"] = "keys",
            ["CRM_METADATA_MODE"] = "keys",
        };
        foreach (var (key, value) in ExtraSettings)
        {
            settings[key] = value;
        }

        Host = LocalHostApp.Build(["--urls", "http://127.0.0.1:0"], settings, services =>
        {
            if (Clock is { } clock)
            {
                services.AddSingleton(clock);
            }

            services.AddLogging(logging => logging.AddProvider(Logs));
            ConfigureServices(services);
        });
        await Host.StartAsync();
        BaseAddress = new Uri(Host.Urls.First());
        Client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task StopHostAsync()
    {
        Client.Dispose();
        await Host.StopAsync();
        await Host.DisposeAsync();
    }

    public virtual async Task DisposeAsync()
    {
        await StopHostAsync();
        await Storage.DisposeAsync();
    }

    public QueueClient Queue(string name) => Clients.Queue(name);

    /// <summary>Sends an operations request with the right key (or <paramref name="key"/>, null for none).</summary>
    public async Task<HttpResponseMessage> OpsAsync(HttpMethod method, string path, string? key = "")
    {
        using var request = new HttpRequestMessage(method, path);
        var sent = key == string.Empty ? OpsKey : key;
        if (sent is not null)
        {
            request.Headers.TryAddWithoutValidation("x-functions-key", sent);
        }

        return await Client.SendAsync(request);
    }

    /// <summary>Empties every event queue so a test sees only what it caused.</summary>
    public async Task ClearQueuesAsync()
    {
        await Task.WhenAll(StorageNames.AllQueues.Select(name => Queue(name).ClearMessagesAsync()));
    }

    /// <summary>Every message currently in <paramref name="queue"/>, read without removing them.</summary>
    public async Task<IReadOnlyList<PeekedMessage>> PeekAllAsync(string queue)
    {
        PeekedMessage[] messages = await Queue(queue).PeekMessagesAsync(32);
        return messages;
    }
}

/// <summary>
/// A host whose clock stands still at <see cref="Now"/> (when the fixture was made, to the second), so timestamp
/// tolerances can be tested to the second; deliveries signed at the current time stay within tolerance of it.
/// </summary>
public sealed class FixedClockHostFixture : LocalHostFixture
{
    public DateTimeOffset Now => Clock.GetUtcNow();

    protected override TimeProvider Clock { get; } = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(
        DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds()));
}
