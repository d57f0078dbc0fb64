using System.Net;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.IntegrationTests.Processing;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;
using Xunit.Abstractions;

namespace Scalekit.Webhooks.IntegrationTests.Abuse;

/// <summary>
/// Signed but hostile events: every one is refused with a 4xx or settled (processed, ignored or parked) on its first
/// attempt, none is answered 5xx, and ids that differ only in a character storage forbids never share a row.
/// </summary>
public class HostileEventTests(ConsumingHostFixture host, ITestOutputHelper output) : IClassFixture<ConsumingHostFixture>
{
    private static readonly string[] Forbidden = ["/", "\\", "#", "?", "\u0000", "\u0001", "\u001f", "\u007f", "\u0085", "\t", ".", "..", "~", "%", "'"];

    private static readonly string Long = new('L', 1_100);

    [Fact]
    public async Task ForbiddenCharactersAndLongIds_InEveryKeyedId_SettleOnTheFirstAttempt_AndNeverCollide()
    {
        var events = new List<(string Label, WebhookSource Source, JsonObject Body)>();
        foreach (var bad in Forbidden.Append(Long + "/").Append(Long))
        {
            var tag = Uri.EscapeDataString(bad.Length > 20 ? $"long{bad.Length}" : bad);
            var o = Options() with
            {
                OrganizationId = $"org_h{bad}1",
                DirectoryUserId = $"diruser_h{bad}1",
                UserId = $"usr_h{bad}1",
                ExternalId = $"cus_ext{bad}1",
                CustomerId = $"cus_h{bad}1",
            };
            events.Add(($"organization [{tag}]", ScalekitSource.Id, Named(ScalekitSamples.Create("organization.updated", Fresh(o)), o.OrganizationId)));
            events.Add(($"directory user [{tag}]", ScalekitSource.Id, ScalekitSamples.Create("organization.directory.user_updated", Fresh(o))));
            events.Add(($"membership [{tag}]", ScalekitSource.Id, ScalekitSamples.Create("user.organization_membership_created", Fresh(o))));
            events.Add(($"session [{tag}]", ScalekitSource.Id, ScalekitSamples.Create("user.login", Fresh(o))));
            events.Add(($"role [{tag}]", ScalekitSource.Id, WithData(ScalekitSamples.Create("role.created", Fresh(o)), "name", $"role{bad}1")));
            events.Add(($"connected account [{tag}]", ScalekitSource.Id, WithData(ScalekitSamples.Create("connected_account.created", Fresh(o)), "id", $"ca{bad}1")));
            events.Add(($"subscription [{tag}]", StripeSource.Id, StripeSamples.Create("customer.subscription.updated", Fresh(o))));
            events.Add(($"invoice [{tag}]", StripeSource.Id, StripeSamples.Create("invoice.paid", Fresh(o))));
        }

        // Plain twins of the organization ids above: each must keep a row of its own.
        events.Add(("organization [plain twin]", ScalekitSource.Id, Named(ScalekitSamples.Create("organization.updated", Options() with { OrganizationId = "org_h_1" }), "org_h_1")));
        events.Add(("organization [escape twin]", ScalekitSource.Id, Named(ScalekitSamples.Create("organization.updated", Options() with { OrganizationId = "org_h~002F1" }), "org_h~002F1")));

        // Content that storage refuses (a property over 64 KiB once stored as UTF-16) is parked, not retried.
        var huge = ScalekitSamples.Create("organization.updated", Options() with { OrganizationId = SampleIds.New("org_") });
        huge["data"]!["display_name"] = new string('n', 40_000);
        events.Add(("organization [40,000-character name]", ScalekitSource.Id, huge));

        var eventIds = new List<(string Label, WebhookSource Source, string EventId)>();
        foreach (var (label, source, body) in events)
        {
            var eventId = await PostAsync(label, source, body.ToJsonString());
            eventIds.Add((label, source, eventId));
        }

        var ledger = host.Host.Services.GetRequiredService<EventLedgerQueries>();
        foreach (var (label, source, eventId) in eventIds)
        {
            LedgerEntry? row = null;
            await ScalekitProcessingTests.Eventually(async () => Settled((row = await ledger.FindAsync(source, eventId))?.Status), TimeSpan.FromSeconds(120));
            output.WriteLine($"{label}: {row!.StatusName} ({row.Detail})");
            Assert.True(row.Attempts == 1, $"{label} took {row.Attempts} attempts: {row.LastError}");
        }

        var readModel = host.Host.Services.GetRequiredService<OrganizationStore>();
        foreach (var id in Forbidden.Select(bad => $"org_h{bad}1").Append("org_h_1").Append("org_h~002F1").Append($"org_h{Long}1").Append($"org_h{Long}/1"))
        {
            var organization = await readModel.GetAsync(id);
            Assert.True(organization is not null, $"no row for organization {Uri.EscapeDataString(id)}");
            Assert.Equal(id, organization.DisplayName);
        }

        var links = host.Host.Services.GetRequiredService<Webhooks.State.OrganizationLinks>();
        Assert.Equal($"org_h{Long}1", await links.FindAsync($"cus_ext{Long}1"));
        var parked = await ledger.FindAsync(ScalekitSource.Id, eventIds.Single(e => e.Label.Contains("40,000", StringComparison.Ordinal)).EventId);
        Assert.Equal(ProcessingStatus.Parked, parked!.Status);
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("../stripe/evt_1")]
    public async Task DotSegmentEventIds_ClaimCheckedBodiesStayInTheirSourceFolder_AndSettleOnce(string eventId)
    {
        var body = ScalekitSamples.Create("organization.updated", Options() with { EventId = eventId, OrganizationId = SampleIds.New("org_") });
        body["padding"] = new string('p', 120_000);

        await PostAsync(eventId, ScalekitSource.Id, body.ToJsonString());

        var ledger = host.Host.Services.GetRequiredService<EventLedgerQueries>();
        LedgerEntry? row = null;
        await ScalekitProcessingTests.Eventually(async () => (row = await ledger.FindAsync(ScalekitSource.Id, eventId))?.Status.IsFinal() == true, TimeSpan.FromSeconds(60));
        Assert.Equal(1, row!.Attempts);
        var blob = row.PayloadBlob?.Path;
        Assert.StartsWith($"{StorageNames.PayloadContainer}/scalekit/{StorageKeys.Key(eventId)}/", blob, StringComparison.Ordinal);
        Assert.DoesNotContain("/./", blob, StringComparison.Ordinal);
        Assert.DoesNotContain("/../", blob, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContentThatCannotBeRead_IsRefusedWith400AndAReason()
    {
        var cases = new List<(string Label, string Body, string? WebhookId, string Reason)>
        {
            ("lone surrogate in id", """{"id":"evt_\ud800","type":"organization.created","data":{"id":"org_1"}}""", null, "body_not_json"),
            ("lone surrogate in data", """{"id":"evt_ok1","type":"organization.created","data":{"id":"org_\udc00"}}""", null, "body_not_json"),
            ("numeric id", """{"id":42,"type":"organization.created"}""", null, "missing_event_id"),
            ("array type", """{"id":"evt_ok2","type":["x"]}""", null, "missing_event_type"),
            ("1,100-character event id", $$"""{"id":"{{Long}}","type":"organization.created"}""", null, "missing_event_id"),
            ("5,000-character webhook-id", Deliveries.ScalekitBody(), new string('w', 5_000), "malformed_headers"),
        };
        foreach (var (label, body, webhookId, reason) in cases)
        {
            using var response = await host.Client.PostAsync("scalekit", body, Deliveries.SignScalekit(body, host.ScalekitSecret, webhookId: webhookId));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{label}: {(int)response.StatusCode}");
            Assert.Equal(reason, (await response.JsonAsync()).GetProperty("reason").GetString());
        }
    }

    // A billing event for a customer no organization has claimed yet waits for the link without being retried.
    private static bool Settled(ProcessingStatus? status) => status.IsFinal() || status == ProcessingStatus.WaitingForOrganization;

    private static SampleOptions Options() => new() { OccurredAt = Deliveries.Now, EventId = SampleIds.New("evt_") };

    private static SampleOptions Fresh(SampleOptions options) => options with { EventId = SampleIds.New("evt_") };

    private static JsonObject Named(JsonObject body, string name)
    {
        body["data"]!["display_name"] = name;
        return body;
    }

    private static JsonObject WithData(JsonObject body, string property, string value)
    {
        body["data"]![property] = value;
        return body;
    }

    private async Task<string> PostAsync(string label, WebhookSource source, string body)
    {
        var headers = source == ScalekitSource.Id ? Deliveries.SignScalekit(body, host.ScalekitSecret) : Deliveries.SignStripe(body, host.StripeSecret);
        using var response = await host.Client.PostAsync(source.Name, body, headers);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{label}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.JsonAsync()).GetProperty("event_id").GetString()!;
    }
}
