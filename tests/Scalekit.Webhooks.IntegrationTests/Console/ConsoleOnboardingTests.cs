using System.Net;
using Microsoft.Playwright;
using Scalekit.Webhooks.IntegrationTests.Onboarding;
using Scalekit.Webhooks.Onboarding;
using static Microsoft.Playwright.Assertions;

namespace Scalekit.Webhooks.IntegrationTests.Console;

/// <summary>
/// A host whose queue triggers run, with Scalekit, Salesforce and Stripe stand-ins (so an onboarding started from the
/// console runs to its end) and one broken billing setting (so the integrations page has a reason to show).
/// </summary>
public sealed class ConsoleOnboardingHostFixture : OnboardingFixture
{
    public const string BrokenBillingSetting = "BILLING_METADATA_MODE";

    protected override bool QueueTriggersEnabled => true;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings =>
        new Dictionary<string, string?>(base.ExtraSettings) { [BrokenBillingSetting] = "verbose" };
}

public sealed class ConsoleOnboardingFixture : ConsoleFixture
{
    public ConsoleOnboardingFixture()
        : base(new ConsoleOnboardingHostFixture())
    {
    }

    public OnboardingFixture Onboarding => (OnboardingFixture)Host;
}

/// <summary>The onboarding and integrations pages, against the stand-ins: a form followed to completion, a refusal at its field, each integration's card.</summary>
public sealed class ConsoleOnboardingTests(ConsoleOnboardingFixture console) : OnboardingTestBase(console.Onboarding), IClassFixture<ConsoleOnboardingFixture>
{
    [Fact]
    public async Task Onboarding_StartedFromTheForm_IsFollowedStepByStepToCompletion_AndListed()
    {
        var page = await console.SignedInAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Onboarding", Exact = true }).ClickAsync();
        await FillAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Start onboarding" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync($"Onboarding {OnboardingRecord.IdFor(Customer)}");
        await Expect(page.Locator("#onboarding-state")).ToContainTextAsync("completed", new() { Timeout = 60_000 });
        await Expect(page.Locator("li[data-step='organization']")).ToContainTextAsync("done");
        await Expect(page.Locator("li[data-step='admin_user']")).ToContainTextAsync("done");
        await Expect(page.Locator("li[data-step='salesforce_account']")).ToContainTextAsync("skipped");
        await Expect(page.Locator("li[data-step='stripe_customer']")).ToContainTextAsync("done");
        await Expect(page.Locator("#onboarding-progress")).ToContainTextAsync(Organization);
        await console.ScreenshotAsync(page, "console-onboarding-progress");

        await page.GetByRole(AriaRole.Link, new() { Name = "← Onboardings" }).ClickAsync();
        await page.GetByLabel("Status", new() { Exact = true }).SelectOptionAsync("completed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(page.Locator("#onboardings tbody tr").Filter(new() { HasText = Customer })).ToHaveCountAsync(1);
        await Expect(page.Locator("#onboardings tbody tr").Filter(new() { HasText = Customer })).ToContainTextAsync("completed");
        await console.ScreenshotAsync(page, "console-onboarding");
    }

    [Fact]
    public async Task Onboarding_OfACustomerWhoseOrganizationExists_Shows409NextToTheCustomerField_AndStartsNothing()
    {
        OrganizationExists(SomeoneElses());
        var page = await console.SignedInAsync();
        await page.GotoAsync($"{console.ConsoleUrl}#/onboarding");
        await FillAsync(page);

        await page.GetByRole(AriaRole.Button, new() { Name = "Start onboarding" }).ClickAsync();

        var customerField = page.GetByLabel("Stripe customer id");
        await Expect(customerField).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#onb-stripe_customer_id-error")).ToContainTextAsync(Organization);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Onboarding");
        await console.ScreenshotAsync(page, "console-onboarding-refused");
        using var status = await Host.OpsAsync(HttpMethod.Get, $"/api/ops/onboarding/{OnboardingRecord.IdFor(Customer)}");
        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
    }

    [Fact]
    public async Task OnboardingForm_WithABadEmail_ShowsTheServersReasonAtThatField()
    {
        var page = await console.SignedInAsync();
        await page.GotoAsync($"{console.ConsoleUrl}#/onboarding");
        await FillAsync(page);
        await page.GetByLabel("Admin email").FillAsync("not-an-email");

        await page.GetByRole(AriaRole.Button, new() { Name = "Start onboarding" }).ClickAsync();

        await Expect(page.Locator("#onb-admin_email-error")).ToContainTextAsync("admin_email must be an email address");
    }

    [Fact]
    public async Task IntegrationsPage_ShowsEachIntegration_WithTheBrokenSettingNamed()
    {
        var page = await console.SignedInAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Integrations", Exact = true }).ClickAsync();

        var billing = page.GetByRole(AriaRole.Region, new() { Name = "Billing (Stripe → Scalekit) integration" });
        await Expect(billing).ToContainTextAsync("Off:");
        await Expect(billing).ToContainTextAsync(ConsoleOnboardingHostFixture.BrokenBillingSetting);
        await Expect(billing.GetByRole(AriaRole.Link, new() { Name = "Dead letters" })).ToHaveAttributeAsync("href", "#/dead-letters?source=stripe");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Onboarding integration" })).ToContainTextAsync("live");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Stripe recovery integration" })).ToContainTextAsync("Queued");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "CRM (Salesforce) integration" })).ToContainTextAsync("Deferred");
        await console.ScreenshotAsync(page, "console-integrations");
    }

    private async Task FillAsync(IPage page)
    {
        await page.GetByLabel("Company name").FillAsync("Acme Corp");
        await page.GetByLabel("Admin email").FillAsync("admin@acme.example");
        await page.GetByLabel("Plan").FillAsync("enterprise");
        await page.GetByLabel("Stripe customer id").FillAsync(Customer);
    }
}
