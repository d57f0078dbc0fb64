using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Samples;
using static Microsoft.Playwright.Assertions;

namespace Scalekit.Webhooks.IntegrationTests.Console;

/// <summary>The operations console in headless Chromium against the real local host, Azurite and its consumers.</summary>
public class ConsoleBrowserTests(ConsoleFixture console) : IClassFixture<ConsoleFixture>
{
    [Fact]
    public async Task SignIn_ShowsTheOverviewWithChartsOfPostedEvents_SourcesAndIntegrations()
    {
        for (var i = 0; i < 3; i++)
        {
            await console.PostScalekitAsync(ScalekitSamples.Create("role.created", new SampleOptions { OccurredAt = Deliveries.Now, EventId = SampleIds.New("evt_") }));
        }

        var page = await console.SignedInAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.Locator("#charts figure")).ToHaveCountAsync(5);
        await Expect(page.Locator("#chart-ingested svg path.line")).ToHaveAttributeAsync("d", new System.Text.RegularExpressions.Regex("^M.+L"));
        await Expect(page.Locator("#chart-ingested-summary")).ToContainTextAsync("in total");
        await Expect(page.Locator("#chart-processed-summary")).Not.ToContainTextAsync("None in this window");
        await Expect(page.Locator("#chart-latency svg path.p95")).ToHaveAttributeAsync("d", new System.Text.RegularExpressions.Regex("^M"));
        var ingested = int.Parse((await page.Locator("#totals .card").First.Locator(".value").TextContentAsync())!.Replace(",", string.Empty, StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(ingested >= 3, $"the overview counts {ingested} ingested events");
        var sources = page.GetByRole(AriaRole.Table, new() { Name = "Queue depths and counts per source" });
        await Expect(sources.GetByRole(AriaRole.Cell, new() { Name = "scalekit", Exact = true })).ToBeVisibleAsync();
        await Expect(sources.GetByRole(AriaRole.Cell, new() { Name = "stripe", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "billing integration" })).ToContainTextAsync("dry-run");
        await console.ScreenshotAsync(page, "console-overview");

        await page.GetByLabel("Window", new() { Exact = true }).SelectOptionAsync("7d");
        await Expect(page.Locator("#chart-ingested figcaption")).ToHaveTextAsync("Ingested per 10 minutes");
    }

    [Fact]
    public async Task WrongKey_IsRefused_AndTheConsoleSaysSo()
    {
        var page = await console.OpenConsoleAsync();
        await page.GetByLabel("Operations key").FillAsync(console.Host.OpsKey + "-wrong");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The operations key was refused (401)");
        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Sections" })).ToBeHiddenAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('scalekit-functions.ops-key')"));
        Assert.DoesNotContain(console.Host.OpsKey, page.Url, StringComparison.Ordinal);
        await console.ScreenshotAsync(page, "console-sign-in-refused");
    }

    [Fact]
    public async Task UnreachableApi_IsReportedAsUnreachable()
    {
        var page = await console.SignedInAsync();
        await page.RouteAsync("**/api/ops/stats**", route => route.AbortAsync("connectionrefused"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Refresh" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("cannot be reached");
    }

    [Fact]
    public async Task KeyboardOnly_SignsIn_AndMovesBetweenSectionsWithAVisibleFocus()
    {
        var page = await console.OpenConsoleAsync();
        await page.Keyboard.TypeAsync(console.Host.OpsKey);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Level = 1 })).ToBeVisibleAsync();

        string? focused = null;
        for (var i = 0; i < 30 && focused != "Dead letters"; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            focused = await page.EvaluateAsync<string?>("() => document.activeElement?.textContent");
        }

        Assert.Equal("Dead letters", focused);
        Assert.NotEqual("none", await page.EvaluateAsync<string>("() => getComputedStyle(document.activeElement).outlineStyle"));
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Dead letters", Level = 1 })).ToBeFocusedAsync();
    }

    [Fact]
    public async Task Search_FindsAPostedEvent_AndItsPageShowsTheLedgerEntryPayloadAndReplay()
    {
        var org = SampleIds.New("org_");
        var eventId = await console.PostScalekitAsync(ScalekitSamples.Create("organization.created", new SampleOptions { OccurredAt = Deliveries.Now, OrganizationId = org, ExternalId = SampleIds.New("cus_"), EventId = SampleIds.New("evt_") }));
        var page = await console.SignedInAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Events", Exact = true }).ClickAsync();
        await Expect(page.Locator("#known-types option[value='organization.created']")).ToHaveCountAsync(1);
        await page.GetByLabel("Source").SelectOptionAsync("scalekit");
        await page.GetByLabel("Organization id", new() { Exact = true }).FillAsync(org);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        var found = page.GetByRole(AriaRole.Link, new() { Name = eventId });
        await Expect(found).ToBeVisibleAsync();
        await Expect(page.Locator("#results tbody tr")).ToHaveCountAsync(1);
        await Expect(page.GetByRole(AriaRole.Columnheader, new() { Name = "Event id" })).ToBeVisibleAsync();
        await Expect(page.Locator("#results tbody time").First).ToHaveAttributeAsync("title", new System.Text.RegularExpressions.Regex(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$"));
        await console.ScreenshotAsync(page, "console-events");

        await found.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Event {eventId}" })).ToBeVisibleAsync();
        await Expect(page.Locator("#ledger-title")).ToContainTextAsync("processed");
        await Expect(page.Locator("dl.fields dt", new() { HasText = "Attempts" })).ToHaveCountAsync(1);
        await Expect(page.Locator("dl.fields dt", new() { HasText = "Received" })).ToHaveCountAsync(1);
        Assert.Empty(await page.Locator("dl.fields dt").EvaluateAllAsync<string[]>("dts => dts.map(dt => dt.textContent).filter(t => t.includes('_'))"));
        await Expect(page.Locator("#payload")).ToContainTextAsync($"\"id\": \"{org}\"");
        await console.ScreenshotAsync(page, "console-event");

        await page.GetByRole(AriaRole.Button, new() { Name = "Replay this event" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("queued again");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Replay event" }).ClickAsync();
        await Expect(page.Locator("#replay-outcome")).ToContainTextAsync("queued for replay");
        await Processing.ScalekitProcessingTests.Eventually(async () =>
        {
            using var response = await console.Host.OpsAsync(HttpMethod.Get, $"/api/ops/events/scalekit/{eventId}");
            return (await response.JsonAsync()).GetProperty("attempts").GetInt32() == 2;
        }, TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task DeadLetter_ReplayedFromTheConsole_DisappearsFromTheParkedList()
    {
        var eventId = await console.ParkAsync("role.updated", "ScalekitApiException: Scalekit answered 500 five times");
        var page = await console.SignedInAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Dead letters" }).ClickAsync();
        var row = page.Locator("#dead-letters tr", new() { HasText = eventId });
        await Expect(row).ToBeVisibleAsync();
        await Expect(row).ToContainTextAsync("answered 500");
        await console.ScreenshotAsync(page, "console-dead-letters");

        await row.GetByRole(AriaRole.Button, new() { Name = $"Replay scalekit {eventId}" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync($"The parked scalekit event {eventId}");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Replay", Exact = true }).ClickAsync();

        await Expect(page.Locator("#dead-letter-outcome")).ToContainTextAsync($"{eventId} was queued for replay");
        await Expect(row).ToHaveCountAsync(0);
        await console.WaitFinalAsync("scalekit", eventId);
        using var entry = await console.Host.OpsAsync(HttpMethod.Get, "/api/ops/dead-letters?status=parked&source=scalekit");
        Assert.DoesNotContain((await entry.JsonAsync()).GetProperty("items").EnumerateArray(), item => item.GetProperty("event_id").GetString() == eventId);
    }

    [Fact]
    public async Task BulkReplay_ShowsTheDryRunCountFirst_ThenReplaysAfterConfirmation()
    {
        var type = "permission.updated";
        var parked = new[] { await console.ParkAsync(type, "bulk one"), await console.ParkAsync(type, "bulk two") };
        var page = await console.SignedInAsync();
        await page.GotoAsync($"{console.ConsoleUrl}#/dead-letters?type={type}");
        await Expect(page.Locator("#dead-letters tbody tr")).ToHaveCountAsync(2);

        await page.GetByRole(AriaRole.Button, new() { Name = "Replay all matching…" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("Dry run: 2 parked dead letters match every source, type permission.updated");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Replay all matching…" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(dialog).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(page.Locator("#dead-letters tbody tr")).ToHaveCountAsync(2);

        await page.GetByRole(AriaRole.Button, new() { Name = "Replay all matching…" }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Replay 2" }).ClickAsync();
        await Expect(page.Locator("#dead-letter-outcome")).ToContainTextAsync("Replayed 2 of 2 dead letters");
        await Expect(page.Locator("#dead-letters")).ToContainTextAsync("No dead letters match");
        foreach (var eventId in parked)
        {
            await console.WaitFinalAsync("scalekit", eventId);
        }
    }

    [Fact]
    public async Task EmptyResults_SayWhatToDoNext()
    {
        var page = await console.SignedInAsync();
        await page.GotoAsync($"{console.ConsoleUrl}#/events?organizationId={SampleIds.New("org_")}");

        await Expect(page.Locator("#results .empty")).ToContainTextAsync("Widen the time range, clear a filter");
    }

    [Fact]
    public async Task HostilePayload_RendersAsInertText_NoDialogAndNoRequestLeavesTheOrigin()
    {
        var org = SampleIds.New("org_");
        var sample = ScalekitSamples.Create("organization.created", new SampleOptions { OccurredAt = Deliveries.Now, OrganizationId = org, ExternalId = SampleIds.New("cus_"), EventId = SampleIds.New("evt_") });
        const string Hostile = "<script>alert('xss')</script>\"><img src=x onerror=alert(1)><a href=\"javascript:alert(2)\">click</a><img src=\"https://203.0.113.9/pixel.png\">";
        sample["data"]!["display_name"] = Hostile;
        sample["data"]!["metadata"] = new JsonObject { ["website"] = "javascript:alert(3)", ["logo"] = "<img src=https://203.0.113.9/logo.png onerror=alert(4)>" };
        var eventId = await console.PostScalekitAsync(sample);

        var page = await console.SignedInAsync();
        var dialogs = new ConcurrentBag<string>();
        var requests = new ConcurrentBag<string>();
        page.Dialog += (_, dialog) => dialogs.Add(dialog.Message);
        page.Context.Request += (_, request) => requests.Add(request.Url);

        await page.GotoAsync($"{console.ConsoleUrl}#/events/scalekit/{eventId}");
        await Expect(page.Locator("#payload")).ToContainTextAsync("<script>alert('xss')</script>");
        await Expect(page.Locator("#payload")).ToContainTextAsync("onerror=alert(1)");
        await page.GotoAsync($"{console.ConsoleUrl}#/organizations/{org}");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("<script>alert('xss')</script>");
        await Expect(page.Locator("main")).ToContainTextAsync("javascript:alert(3)");
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        Assert.Equal(0, await page.Locator("main img, main script, main iframe").CountAsync());
        Assert.Equal(0, await page.Locator("main a[href^='javascript:'], main a[href^='http']").CountAsync());
        Assert.Empty(dialogs);
        Assert.All(requests, url => Assert.StartsWith(console.Host.BaseAddress.GetLeftPart(UriPartial.Authority), url, StringComparison.Ordinal));
    }

    [Fact]
    public async Task HrConnection_CreatedFromTheForm_ShowsItsSecretOnce_ThenRotatesAndIsDeletedWithConfirmation()
    {
        var org = SampleIds.New("org_");
        var page = await console.SignedInAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "HR connections", Exact = true }).ClickAsync();

        await page.GetByLabel("HR system", new() { Exact = true }).SelectOptionAsync("bamboohr");
        await page.GetByLabel("Organization id", new() { Exact = true }).FillAsync(org);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create connection" }).ClickAsync();
        await Expect(page.Locator("#hr-company_domain-error")).ToContainTextAsync("Enter this field");

        await page.GetByLabel("HR system", new() { Exact = true }).SelectOptionAsync("generic");
        await page.GetByLabel("Organization id", new() { Exact = true }).FillAsync("acme");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create connection" }).ClickAsync();
        await Expect(page.Locator("#hr-organization-error")).ToContainTextAsync("organization_id");

        await page.GetByLabel("Organization id", new() { Exact = true }).FillAsync(org);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create connection" }).ClickAsync();
        var secret = (await page.Locator("#signing-secret").TextContentAsync())!;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        await Expect(page.Locator("#created-webhook-url")).ToContainTextAsync("/api/webhooks/hr/hrc_");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Copy secret" })).ToBeVisibleAsync();
        await console.ScreenshotAsync(page, "console-hr-created");
        var id = (await page.Locator("#created-webhook-url").TextContentAsync())!.Split('/')[^1];
        await Expect(page.Locator("#hr-connections tbody tr").Filter(new() { HasText = id })).ToContainTextAsync(org);

        var forged = Deliveries.HrBody("employee.hired", new SampleOptions { OccurredAt = Deliveries.Now, EmployeeId = SampleIds.New("E-") });
        using (var refused = await console.Host.Client.PostAsync("hr/" + id, forged, Deliveries.SignHr(forged, "whsec_" + Convert.ToBase64String(new byte[32]))))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        await page.Locator("#hr-connections").GetByRole(AriaRole.Link, new() { Name = id }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync($"HR connection {id}");
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);
        var deliveries = page.GetByRole(AriaRole.Region, new() { Name = "Deliveries" });
        await Expect(deliveries.Locator("dt")).ToContainTextAsync(["Accepted", "Processed", "Failed", "Parked", "Last delivery", "Last error", "Last error at", "Last error event", "Last refusal", "Employees synced"]);
        await Expect(deliveries.GetByRole(AriaRole.Table, new() { Name = "Refused by reason" }).Locator("tbody tr")).ToHaveTextAsync(["invalid_signature1"]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Rotate the signing secret" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Rotate" }).ClickAsync();
        var rotated = (await page.Locator("#signing-secret").TextContentAsync())!;
        Assert.StartsWith("whsec_", rotated, StringComparison.Ordinal);
        Assert.NotEqual(secret, rotated);
        await console.ScreenshotAsync(page, "console-hr-connection");

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete connection" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        using (var kept = await console.Host.OpsAsync(HttpMethod.Get, $"/api/ops/hr/connections/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete connection" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("HR connections");
        await Expect(page.Locator("#hr-connections tbody tr").Filter(new() { HasText = id })).ToHaveCountAsync(0);
        using var gone = await console.Host.OpsAsync(HttpMethod.Get, $"/api/ops/hr/connections/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task CustomersPage_ListsAndSearchesCustomers_ByIdOrganizationOrCheckoutEmail()
    {
        var customer = SampleIds.New("cus_");
        var other = SampleIds.New("cus_");
        foreach (var id in new[] { customer, other })
        {
            var options = new SampleOptions { OccurredAt = Deliveries.Now, OrganizationId = SampleIds.New("org_"), ExternalId = id, CustomerId = id };
            await console.PostScalekitAsync(ScalekitSamples.Create("organization.created", options with { EventId = SampleIds.New("evt_") }));
            await console.PostStripeAsync(StripeSamples.Create("customer.subscription.created", options with { EventId = SampleIds.New("evt_") }));
        }

        var buyer = $"buyer-{customer[4..].ToLowerInvariant()}@example.com";
        await console.PostStripeAsync(StripeSamples.Create("checkout.session.completed", new SampleOptions { OccurredAt = Deliveries.Now, EventId = SampleIds.New("evt_"), CustomerId = customer, ExternalId = customer, Email = buyer }));
        var page = await console.SignedInAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Customers", Exact = true }).ClickAsync();
        await Expect(page.Locator("#customers tbody tr")).Not.ToHaveCountAsync(0);
        await page.GetByLabel("Find customers").FillAsync(customer.ToUpperInvariant());
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Expect(page.Locator("#customers tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#customers tbody tr")).ToContainTextAsync("active");
        await console.ScreenshotAsync(page, "console-customers");
        await page.GetByLabel("Find customers").FillAsync(buyer.ToUpperInvariant());
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Expect(page.Locator("#customers tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#customers tbody tr")).ToContainTextAsync(buyer);
        await page.GetByLabel("Find customers").FillAsync("cus_nobody_has_this_id");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Expect(page.Locator("#customers .empty")).ToContainTextAsync("No customer matches");
        await page.GetByLabel("Find customers").FillAsync(customer);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await page.Locator("#customers tbody tr").GetByRole(AriaRole.Link, new() { Name = customer }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync($"Customer {customer}");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Re-sync billing to the organization" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task OrganizationAndCustomerPages_ShowStateBillingUsersAndMembers()
    {
        var org = SampleIds.New("org_");
        var customer = SampleIds.New("cus_");
        var options = new SampleOptions { OccurredAt = Deliveries.Now, OrganizationId = org, ExternalId = customer, CustomerId = customer };
        await console.PostScalekitAsync(ScalekitSamples.Create("organization.created", options with { EventId = SampleIds.New("evt_") }));
        await console.PostScalekitAsync(ScalekitSamples.Create("organization.directory.user_created", options with { EventId = SampleIds.New("evt_"), DirectoryUserId = "diruser_console_a" }));
        await console.PostScalekitAsync(ScalekitSamples.Create("user.organization_membership_created", options with { EventId = SampleIds.New("evt_") }));
        await console.PostStripeAsync(StripeSamples.Create("customer.subscription.created", options with { EventId = SampleIds.New("evt_") }));
        var page = await console.SignedInAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Organizations", Exact = true }).ClickAsync();
        await Expect(page.Locator("#organizations tbody tr")).Not.ToHaveCountAsync(0);
        await page.GetByLabel("Find organizations").FillAsync(customer.ToUpperInvariant());
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Expect(page.Locator("#organizations tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#organizations tbody tr")).ToContainTextAsync(org);
        await console.ScreenshotAsync(page, "console-organizations");
        await page.GetByLabel("Find organizations").FillAsync("no organization is called this");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Expect(page.Locator("#organizations .empty")).ToContainTextAsync("No organization matches");
        await page.GetByLabel("Find organizations").FillAsync(org[4..]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await page.Locator("#organizations tbody tr").GetByRole(AriaRole.Link, new() { Name = "Acme Corp" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync($"Acme Corp ({org})");
        await Expect(page.Locator("#directory-users")).ToContainTextAsync("diruser_console_a");
        await Expect(page.Locator("#members tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#ownership")).ToContainTextAsync("of 10 metadata pairs in use");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Billing" })).ToContainTextAsync("dry-run");
        await console.ScreenshotAsync(page, "console-organization");

        await page.GetByRole(AriaRole.Link, new() { Name = customer }).First.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync($"Customer {customer}");
        await Expect(page.Locator("main")).ToContainTextAsync("active");
        await Expect(page.Locator("main")).ToContainTextAsync("pro_monthly × 1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Re-sync billing to the organization" }).ClickAsync();
        await Expect(page.Locator("#resync-outcome .message")).ToContainTextAsync("Re-sync");
        await console.ScreenshotAsync(page, "console-customer");
        using var audit = await console.Host.OpsAsync(HttpMethod.Get, "/api/ops/audit?action=re-sync");
        Assert.Contains((await audit.JsonAsync()).GetProperty("items").EnumerateArray(), entry => entry.GetProperty("target").GetString() == $"customer {customer}");
    }

    [Fact]
    public async Task Erasure_AsksForTheTypedConfirmation_ThenFollowsTheJobToCompletion_AndTheAuditFilterFindsIt()
    {
        var org = SampleIds.New("org_");
        var directoryUser = SampleIds.New("diruser_");
        await console.PostScalekitAsync(ScalekitSamples.Create("organization.directory.user_created", new SampleOptions { OccurredAt = Deliveries.Now, OrganizationId = org, EventId = SampleIds.New("evt_"), DirectoryUserId = directoryUser }));
        var page = await console.SignedInAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Erasure" }).ClickAsync();

        await page.GetByLabel("Find the person by").SelectOptionAsync("directory_user_id");
        await page.GetByLabel("Value").FillAsync(directoryUser);
        await page.GetByLabel("Type ERASE to confirm").FillAsync("erase");
        await page.GetByRole(AriaRole.Button, new() { Name = "Erase this person's data" }).ClickAsync();
        await Expect(page.Locator("#erase-confirm-error")).ToContainTextAsync("Type ERASE (in capitals)");
        await Expect(page.GetByLabel("Type ERASE to confirm")).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.Contains("#/erasure", page.Url, StringComparison.Ordinal);
        Assert.DoesNotContain("era_", page.Url, StringComparison.Ordinal);
        await console.ScreenshotAsync(page, "console-erasure");

        await page.GetByLabel("Type ERASE to confirm").FillAsync("ERASE");
        await page.GetByRole(AriaRole.Button, new() { Name = "Erase this person's data" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Erasure era_");
        var jobId = (await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).TextContentAsync())!["Erasure ".Length..];
        await Expect(page.Locator("#erasure-state")).ToContainTextAsync("completed", new() { Timeout = 90_000 });
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Erased per store" })).ToBeVisibleAsync();
        // The directory user's personal columns were erased; the page never names the person.
        await Expect(page.Locator("#erasure-job tr").Filter(new() { Has = page.GetByRole(AriaRole.Cell, new() { Name = "Directory users", Exact = true }) }).Locator("td.num")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[1-9]"));
        Assert.DoesNotContain(directoryUser, await page.Locator("main").TextContentAsync() ?? string.Empty, StringComparison.Ordinal);
        await console.ScreenshotAsync(page, "console-erasure-job");

        await page.GetByRole(AriaRole.Link, new() { Name = "Audit trail" }).ClickAsync();
        await page.GetByLabel("Action").SelectOptionAsync("erasure");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        var rows = page.Locator("#audit tbody tr");
        await Expect(rows.Filter(new() { HasText = jobId })).ToHaveCountAsync(1);
        Assert.All(await rows.Locator("td:nth-child(2)").AllTextContentsAsync(), action => Assert.Equal("erasure", action));
        await console.ScreenshotAsync(page, "console-audit");

        await page.GetByLabel("From").FillAsync("2001-01-01T00:00");
        await page.GetByLabel("Before").FillAsync("2001-01-02T00:00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(page.Locator("#audit .empty")).ToContainTextAsync("widen the time range");
    }

    [Fact]
    public async Task PhoneScreen_ShowsTheOverviewAndEventPagesWithoutSideScrolling()
    {
        var eventId = await console.PostScalekitAsync(ScalekitSamples.Create("role.created", new SampleOptions { OccurredAt = Deliveries.Now, EventId = SampleIds.New("evt_") }));
        var page = await console.SignedInAsync(390, 844);

        await Expect(page.Locator("#charts figure")).ToHaveCountAsync(5);
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the overview scrolls sideways on a 390 px screen");
        await console.ScreenshotAsync(page, "console-overview-phone");
        await page.GotoAsync($"{console.ConsoleUrl}#/events/scalekit/{eventId}");
        await Expect(page.Locator("#payload")).ToContainTextAsync(eventId);
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the event page scrolls sideways on a 390 px screen");
        foreach (var route in new[] { "#/erasure", "#/audit", "#/recovery", "#/customers", "#/integrations", "#/onboarding", "#/hr" })
        {
            await page.GotoAsync($"{console.ConsoleUrl}{route}");
            await Expect(page.Locator("main [aria-busy='true'], main .loading")).ToHaveCountAsync(0);
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), $"{route} scrolls sideways on a 390 px screen");
        }
    }

    [Fact]
    public async Task EveryPage_PassesAnAxeAccessibilityScan_AtBothSizes()
    {
        var org = SampleIds.New("org_");
        var eventId = await console.PostScalekitAsync(ScalekitSamples.Create("organization.created", new SampleOptions { OccurredAt = Deliveries.Now, OrganizationId = org, ExternalId = SampleIds.New("cus_"), EventId = SampleIds.New("evt_") }));
        await console.ParkAsync("role.deleted", "axe scan");
        var routes = new[] { "#/overview", "#/events", $"#/events/scalekit/{eventId}", "#/dead-letters", "#/organizations", $"#/organizations/{org}", "#/erasure", "#/audit", "#/recovery", "#/customers", "#/integrations", "#/onboarding", "#/hr" };

        var signIn = await console.OpenConsoleAsync();
        await AssertAccessibleAsync(signIn, "sign-in");
        foreach (var (width, height) in new[] { (1280, 800), (390, 844) })
        {
            var page = await console.SignedInAsync(width, height);
            // On the phone, the pages with wide content (charts, tables, payload) are the ones that can break.
            foreach (var route in width > 400 ? routes : [routes[0], routes[2], routes[3], routes[5], routes[6], routes[7], routes[9], routes[10], routes[11], routes[12]])
            {
                await page.GotoAsync($"{console.ConsoleUrl}{route}");
                await Expect(page.Locator("main [aria-busy='true'], main .loading")).ToHaveCountAsync(0);
                await AssertAccessibleAsync(page, $"{route} at {width}x{height}");
            }
        }
    }

    private static async Task AssertAccessibleAsync(IPage page, string where)
    {
        var result = await page.RunAxe();
        var problems = result.Violations.Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => string.Join(" ", n.Target)))}").ToList();
        Assert.True(problems.Count == 0, $"{where}: {string.Join("; ", problems)}");
    }

    [Fact]
    public async Task ConsolePage_IsServedWithoutTheKey_WithAStrictPolicy_AndUnknownFilesAre404()
    {
        using var page = await console.Host.Client.GetAsync("/api/ops/console");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var policy = string.Join(' ', page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotMatch("<script>|<style>| on[a-z]+=|style=", html);

        Assert.True(page.Headers.CacheControl?.NoStore, "the console is an operations response: nothing of it is stored");

        using var script = await console.Host.Client.GetAsync("/api/ops/console/console.js");
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotMatch("innerHTML|outerHTML|insertAdjacentHTML|document\\.write|eval\\(", await script.Content.ReadAsStringAsync());
        using var missing = await console.Host.Client.GetAsync("/api/ops/console/secrets.json");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var api = await console.Host.Client.GetAsync("/api/ops/stats");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }
}
