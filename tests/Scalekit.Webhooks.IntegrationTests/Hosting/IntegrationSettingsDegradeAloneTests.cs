using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Stripe;
using Scalekit.Webhooks.Testing;

namespace Scalekit.Webhooks.IntegrationTests.Hosting;

/// <summary>A local host with one broken setting for each integration (CRM, billing, billing seats, HR, onboarding, Stripe API).</summary>
public sealed class OneBrokenSettingPerIntegrationFixture : LocalHostFixture
{
    protected override bool QueueTriggersEnabled => true;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        // A JSON list missing its bracket: the CRM's list settings take a,b or ["a","b"].
        ["CRM_ENTERPRISE_FEATURES"] = "[\"sso\"",
        ["BILLING_METADATA_MODE"] = "verbose",
        ["HR_TERMINATION"] = "delete-user",
        ["ONBOARDING_MAX_ATTEMPTS"] = "0",
        ["STRIPE_API_TIMEOUT_MS"] = "50",
        ["BILLING_SEAT_PRICE"] = "seat_monthly",
        ["BILLING_SEAT_SYNC_DELAY_SECONDS"] = "soon",
    };
}

/// <summary>
/// A broken integration setting turns off that integration alone: the host starts, webhooks still answer 201, and
/// the stats say which integration is off, naming the setting and why.
/// </summary>
public class IntegrationSettingsDegradeAloneTests(OneBrokenSettingPerIntegrationFixture host) : IClassFixture<OneBrokenSettingPerIntegrationFixture>
{
    [Fact]
    public async Task Webhooks_StillAnswer201()
    {
        var scalekitBody = Deliveries.ScalekitBody();
        using var scalekit = await host.Client.PostAsync("scalekit", scalekitBody, Deliveries.SignScalekit(scalekitBody, host.ScalekitSecret));
        var stripeBody = Deliveries.StripeBody("invoice.paid", SampleIds.New("evt_"));
        using var stripe = await host.Client.PostAsync("stripe", stripeBody, Deliveries.SignStripe(stripeBody, host.StripeSecret));

        Assert.Equal(HttpStatusCode.Created, scalekit.StatusCode);
        Assert.Equal(HttpStatusCode.Created, stripe.StatusCode);
    }

    [Theory]
    [InlineData("crm", "CRM_ENTERPRISE_FEATURES")]
    [InlineData("billing", "BILLING_METADATA_MODE")]
    [InlineData("hr", "HR_TERMINATION")]
    [InlineData("onboarding", "ONBOARDING_MAX_ATTEMPTS")]
    [InlineData("billing-seats", "BILLING_SEAT_SYNC_DELAY_SECONDS")]
    public async Task Stats_SayTheIntegrationIsOff_NamingTheSetting(string integration, string setting)
    {
        using var response = await host.OpsAsync(HttpMethod.Get, "/api/ops/stats?window=1h");

        var report = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["integrations"]!.AsArray().Single(i => i!["name"]!.GetValue<string>() == integration)!;
        Assert.Equal("off", report["mode"]!.GetValue<string>());
        Assert.Contains(setting, report["last_error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BillingEvent_IsParkedNamingTheBrokenSetting()
    {
        var eventId = SampleIds.New("evt_");
        var body = Deliveries.StripeBody("customer.subscription.updated", eventId);
        using var response = await host.Client.PostAsync("stripe", body, Deliveries.SignStripe(body, host.StripeSecret));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        var ledger = host.Host.Services.GetRequiredService<EventLedgerQueries>();
        var row = await Poll.UntilAsync(
            async () => await ledger.FindAsync(StripeSource.Id, eventId) is { } found && found.Status.IsFinal() ? found : null,
            "the billing event reaches a final ledger status");
        Assert.Equal(ProcessingStatus.Parked, row.Status);
        Assert.Contains("BILLING_METADATA_MODE", row.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Onboarding_Answers503NamingTheSetting()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ops/onboarding")
        {
            Content = JsonContent.Create(new { stripe_customer_id = "cus_degrade", company_name = "Acme Corp", admin_email = "admin@acme.example", plan_type = "enterprise" }),
        };
        request.Headers.TryAddWithoutValidation("x-functions-key", host.OpsKey);

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("ONBOARDING_MAX_ATTEMPTS", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public void StartUp_LogsEachIntegrationOff_NamingItsSetting()
    {
        var errors = string.Join('\n', host.Logs.Entries.Where(entry => entry.Category.EndsWith("StartupSettingsReport", StringComparison.Ordinal)).Select(entry => entry.Message));

        foreach (var setting in new[] { "CRM_ENTERPRISE_FEATURES", "BILLING_METADATA_MODE", "HR_TERMINATION", "ONBOARDING_MAX_ATTEMPTS", "STRIPE_API_TIMEOUT_MS" })
        {
            Assert.Contains(setting, errors, StringComparison.Ordinal);
        }
    }
}
