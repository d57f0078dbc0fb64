using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Samples;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using static Microsoft.Playwright.Assertions;

namespace Scalekit.Webhooks.IntegrationTests.Console;

/// <summary>A consuming host whose Stripe API is a WireMock stand-in, so a recovery run started from the console really lists events.</summary>
public sealed class StripeConsoleHostFixture : LocalHostFixture
{
    public WireMockServer Stripe { get; } = WireMockServer.Start();

    protected override bool QueueTriggersEnabled => true;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["STRIPE_API_KEY"] = "sk_test_console_recovery",
        ["STRIPE_API_BASE_URL"] = Stripe.Url,
        ["STRIPE_API_TIMEOUT_MS"] = "500",
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Stripe.Stop();
        Stripe.Dispose();
    }
}

public sealed class StripeConsoleFixture : ConsoleFixture
{
    public StripeConsoleFixture()
        : base(new StripeConsoleHostFixture())
    {
    }

    public WireMockServer Stripe => ((StripeConsoleHostFixture)Host).Stripe;
}

/// <summary>Stripe recovery from the console: the form, its field error, and a run followed to its counts.</summary>
public sealed class ConsoleRecoveryTests(StripeConsoleFixture console) : IClassFixture<StripeConsoleFixture>
{
    [Fact]
    public async Task Recovery_StartedFromTheForm_IsFollowedUntilItsCountsAreFinal()
    {
        var events = Enumerable.Range(0, 3)
            .Select(_ => StripeSamples.Create("customer.subscription.updated", new SampleOptions { OccurredAt = Deliveries.Now.AddMinutes(-5), EventId = SampleIds.New("evt_"), ExternalId = SampleIds.New("cus_") }))
            .ToList();
        console.Stripe.Given(Request.Create().WithPath("/v1/events").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(new JsonObject
            {
                ["object"] = "list",
                ["url"] = "/v1/events",
                ["has_more"] = false,
                ["data"] = new JsonArray([.. events]),
            }.ToJsonString()));
        var page = await console.SignedInAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Stripe recovery" }).ClickAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Start recovery" }).ClickAsync();
        await Expect(page.Locator("#recovery-since-error")).ToContainTextAsync("Choose the date and time");

        await page.GetByLabel("Recover events created since").FillAsync(Deliveries.Now.AddDays(-40).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "Start recovery" }).ClickAsync();
        await Expect(page.Locator("#recovery-since-error")).ToContainTextAsync("30 days");
        await console.ScreenshotAsync(page, "console-recovery");

        await page.GetByLabel("Recover events created since").FillAsync(Deliveries.Now.AddHours(-1).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "Start recovery" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Recovery rec_");
        await Expect(page.Locator("#recovery-state")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("(completed|failed)$"), new() { Timeout = 90_000 });
        Assert.True((await page.Locator("#recovery-state").TextContentAsync())!.EndsWith("completed", StringComparison.Ordinal), await page.Locator("#recovery-run").TextContentAsync());
        var counts = page.Locator("#recovery-counts");
        await Expect(counts.Locator(".card", new() { HasText = "Listed" }).Locator(".value")).ToHaveTextAsync("3");
        await Expect(counts.Locator(".card", new() { HasText = "Queued" }).Locator(".value")).ToHaveTextAsync("3");
        await Expect(counts.Locator(".card", new() { HasText = "Failed" }).Locator(".value")).ToHaveTextAsync("0");
        await console.ScreenshotAsync(page, "console-recovery-run");
    }
}
