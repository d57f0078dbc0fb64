using System.Net;
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
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.IntegrationTests.Abuse;

/// <summary>A consuming host that applies only live-mode Stripe events and one Scalekit environment.</summary>
public sealed class LiveModeHostFixture : LocalHostFixture
{
    protected override bool QueueTriggersEnabled => true;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        [EventModeOptions.StripeLivemodeSetting] = "true",
        [EventModeOptions.ScalekitEnvironmentSetting] = "env_live",
    };
}

public class EventModeTests(LiveModeHostFixture host) : IClassFixture<LiveModeHostFixture>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StripeEventOfTheOtherMode_IsStoredAndRecordedIgnoredWithTheReason_NeverApplied(bool live)
    {
        var customer = SampleIds.New("cus_");
        var body = StripeSamples.Create("invoice.paid", new SampleOptions { OccurredAt = Deliveries.Now, EventId = SampleIds.New("evt_"), CustomerId = customer });
        body["livemode"] = live;

        var row = await PostAndSettleAsync(StripeSource.Id, body.ToJsonString());

        var invoices = await host.Clients.Tables.GetTableClient(StateTables.Invoices).QueryAsync<TableEntity>($"PartitionKey eq '{customer}'").ToListAsync();
        if (live)
        {
            Assert.NotEqual(ProcessingStatus.Ignored, row.Status);
            Assert.Single(invoices);
        }
        else
        {
            Assert.Equal(ProcessingStatus.Ignored, row.Status);
            Assert.Contains("STRIPE_LIVEMODE=true", row.Detail, StringComparison.Ordinal);
            Assert.NotNull(row.Payload);
            Assert.Empty(invoices);
        }
    }

    [Fact]
    public async Task ScalekitEventOfAnotherEnvironment_IsIgnored_AndOfTheConfiguredOneApplied()
    {
        var other = SampleIds.New("org_");
        var mine = SampleIds.New("org_");
        var foreign = ScalekitSamples.Create("organization.created", new SampleOptions { OccurredAt = Deliveries.Now, EventId = SampleIds.New("evt_"), OrganizationId = other });
        var local = ScalekitSamples.Create("organization.created", new SampleOptions { OccurredAt = Deliveries.Now, EventId = SampleIds.New("evt_"), OrganizationId = mine });
        local["environment_id"] = "env_live";

        var ignored = await PostAndSettleAsync(ScalekitSource.Id, foreign.ToJsonString());
        var applied = await PostAndSettleAsync(ScalekitSource.Id, local.ToJsonString());

        Assert.Equal(ProcessingStatus.Ignored, ignored.Status);
        Assert.Contains("SCALEKIT_ENVIRONMENT_ID=env_live", ignored.Detail, StringComparison.Ordinal);
        Assert.Equal(ProcessingStatus.Processed, applied.Status);
        var organizations = host.Host.Services.GetRequiredService<OrganizationStore>();
        Assert.Null(await organizations.GetAsync(other));
        Assert.NotNull(await organizations.GetAsync(mine));
    }

    private async Task<LedgerEntry> PostAndSettleAsync(WebhookSource source, string body)
    {
        var headers = source == ScalekitSource.Id ? Deliveries.SignScalekit(body, host.ScalekitSecret) : Deliveries.SignStripe(body, host.StripeSecret);
        using var response = await host.Client.PostAsync(source.Name, body, headers);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var eventId = (await response.JsonAsync()).GetProperty("event_id").GetString()!;
        var ledger = host.Host.Services.GetRequiredService<EventLedgerQueries>();
        LedgerEntry? row = null;
        await ScalekitProcessingTests.Eventually(async () => (row = await ledger.FindAsync(source, eventId))?.Status.IsFinal() == true);
        return row!;
    }
}
