using System.Net;
using System.Text.Json.Nodes;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Http;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.IntegrationTests.Processing;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;

namespace Scalekit.Webhooks.IntegrationTests.Console;

/// <summary>
/// A consuming local host on Azurite plus one headless Chromium (Debian's <c>chromium</c>, driven by Playwright) for
/// the whole test class; each test opens its own browser context, so sign-ins never leak between tests.
/// </summary>
public class ConsoleFixture : IAsyncLifetime
{
    public ConsoleFixture()
        : this(new ConsumingHostFixture())
    {
    }

    /// <summary>A console on another host (one with stand-ins for an external API, say).</summary>
    protected ConsoleFixture(LocalHostFixture host) => Host = host;

    /// <summary>Where Chromium is; <c>./test.sh</c> installs Debian's package there when it is missing.</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public LocalHostFixture Host { get; }

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Screenshots go here: <c>CONSOLE_SCREENSHOTS</c> (docs/images when refreshing the README), else the test output.</summary>
    public string ScreenshotDirectory { get; } = Environment.GetEnvironmentVariable("CONSOLE_SCREENSHOTS") is { Length: > 0 } directory
        ? directory
        : Path.Combine(AppContext.BaseDirectory, "console-screenshots");

    private IPlaywright playwright = null!;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(ChromiumPath), $"Chromium is missing at {ChromiumPath}: ./test.sh installs Debian's chromium package (or set CHROMIUM_PATH).");
        Directory.CreateDirectory(ScreenshotDirectory);
        Assertions.SetDefaultExpectTimeout(30_000);
        await Host.InitializeAsync();
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true });
    }

    public virtual async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        playwright.Dispose();
        await Host.DisposeAsync();
    }

    public Uri ConsoleUrl => new(Host.BaseAddress, ConsoleRequestHandler.PagePath);

    /// <summary>A fresh browser context (its own sessionStorage) at the given screen size, on the console page.</summary>
    public async Task<IPage> OpenConsoleAsync(int width = 1280, int height = 800)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-GB",
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync(ConsoleUrl.ToString());
        return page;
    }

    public async Task<IPage> SignedInAsync(int width = 1280, int height = 800)
    {
        var page = await OpenConsoleAsync(width, height);
        await page.GetByLabel("Operations key").FillAsync(Host.OpsKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Operations key")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Sections" })).ToBeVisibleAsync();
        return page;
    }

    public Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = false });

    /// <summary>Posts a signed Scalekit event and waits until the ledger has a final status for it.</summary>
    public async Task<string> PostScalekitAsync(JsonObject body)
    {
        var json = body.ToJsonString();
        using var response = await Host.Client.PostAsync("scalekit", json, Deliveries.SignScalekit(json, Host.ScalekitSecret));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var eventId = (await response.JsonAsync()).GetProperty("event_id").GetString()!;
        await WaitFinalAsync("scalekit", eventId);
        return eventId;
    }

    public async Task<string> PostStripeAsync(JsonObject body)
    {
        var json = body.ToJsonString();
        using var response = await Host.Client.PostAsync("stripe", json, Deliveries.SignStripe(json, Host.StripeSecret));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var eventId = (await response.JsonAsync()).GetProperty("event_id").GetString()!;
        await WaitFinalAsync("stripe", eventId);
        return eventId;
    }

    public Task WaitFinalAsync(string source, string eventId) => ScalekitProcessingTests.Eventually(async () =>
    {
        using var response = await Host.OpsAsync(HttpMethod.Get, $"/api/ops/events/{source}/{eventId}");
        return response.StatusCode == HttpStatusCode.OK && ProcessingStatusNames.Parse((await response.JsonAsync()).GetProperty("status").GetString()).IsFinal();
    }, TimeSpan.FromSeconds(60));

    /// <summary>Parks a Scalekit event in the dead-letter table the way the replayer does, with a real envelope.</summary>
    public async Task<string> ParkAsync(string type, string reason)
    {
        var eventId = SampleIds.New("evt_");
        var payload = ScalekitSamples.Create(type, new SampleOptions { OccurredAt = Deliveries.Now, EventId = eventId, OrganizationId = SampleIds.New("org_") }).ToJsonString();
        var envelope = new EventEnvelope
        {
            Source = ScalekitSource.Id,
            DeliveryId = SampleIds.New("msg_"),
            EventId = eventId,
            EventType = type,
            OccurredAt = Deliveries.Now,
            ReceivedAt = Deliveries.Now,
            ReplayCount = 5,
            InlinePayload = Encoding.UTF8.GetBytes(payload),
        };
        await Host.Host.Services.GetRequiredService<DeadLetterStore>()
            .ParkAsync(new DeadLetterParking(ScalekitSource.Id, eventId, type, new BinaryData(EnvelopeCodec.Encode(envelope)), reason, 30, 5, Deliveries.Now));
        return eventId;
    }
}
