using System.Net;
using System.Text.Json;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Cli;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.IntegrationTests.Processing;
using Scalekit.Webhooks.Samples;

namespace Scalekit.Webhooks.IntegrationTests.Cli;

public class CliOperationsTests(ConsumingHostFixture host) : IClassFixture<ConsumingHostFixture>
{
    [Fact]
    public async Task Stats_PrintsQueuesAndCounts_AndJsonForScripts()
    {
        await ProcessedEventAsync();

        var (exit, output, _) = await Run("stats", "--window", "1h");
        Assert.Equal(CliApp.Success, exit);
        Assert.Contains("scalekit-events-poison", output, StringComparison.Ordinal);
        Assert.Contains("role.created", output, StringComparison.Ordinal);
        Assert.Contains("parked dead letters:", output, StringComparison.Ordinal);

        var (jsonExit, json, _) = await Run("stats", "--json");
        Assert.Equal(CliApp.Success, jsonExit);
        Assert.True(JsonDocument.Parse(json).RootElement.TryGetProperty("processing_latency_ms", out _));
    }

    [Fact]
    public async Task EventsShow_PrintsTheLedgerRow_AndUnknownExitsRefused()
    {
        var eventId = await ProcessedEventAsync();

        var (exit, output, _) = await Run("events", "show", "scalekit", eventId);
        Assert.Equal(CliApp.Success, exit);
        Assert.Contains(eventId, output, StringComparison.Ordinal);
        Assert.Matches(@"status\s+(processed|stale-skipped)", output);
        Assert.Matches(@"attempts\s+1", output);

        var (missing, _, error) = await Run("events", "show", "scalekit", "evt_not_there");
        Assert.Equal(CliApp.Refused, missing);
        Assert.Contains("404", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EventsList_FiltersByType()
    {
        var eventId = await ProcessedEventAsync();
        var (exit, output, _) = await Run("events", "list", "--source", "scalekit", "--type", "role.created");
        Assert.Equal(CliApp.Success, exit);
        Assert.Contains(eventId, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeadLettersList_AndReplayAllDryRun_Work()
    {
        var (listExit, list, _) = await Run("dead-letters", "list", "--json");
        Assert.Equal(CliApp.Success, listExit);
        Assert.True(JsonDocument.Parse(list).RootElement.TryGetProperty("items", out _));

        var (exit, output, _) = await Run("replay", "--all", "--source", "stripe");
        Assert.Equal(CliApp.Success, exit);
        Assert.Contains("would be replayed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_UnknownDeadLetterExitsRefused_ButFromTheEventLogItReapplies()
    {
        var eventId = await ProcessedEventAsync();

        Assert.Equal(CliApp.Refused, (await Run("replay", "scalekit", eventId)).Exit);
        var (exit, output, _) = await Run("replay", "scalekit", eventId, "--from-event-log");
        Assert.Equal(CliApp.Success, exit);
        Assert.Contains("back in its queue", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongKeyExitsRefused_NoKeyIsUsage_UnreachableIsUnavailable()
    {
        Assert.Equal(CliApp.Refused, (await Run("stats", "--key", "wrong")).Exit);
        Assert.Equal(CliApp.UsageError, (await RunRaw("stats", "--url", host.BaseAddress.ToString(), "--key", "")).Exit);
        Assert.Equal(CliApp.Unavailable, (await RunRaw("stats", "--url", "http://127.0.0.1:9", "--key", "k")).Exit);
        Assert.Equal(CliApp.UsageError, (await Run("replay")).Exit);
    }

    [Fact]
    public async Task Customers_ListsAndSearchesThemAsTheConsoleDoes()
    {
        var customer = SampleIds.New("cus_");
        var options = new SampleOptions { OccurredAt = Deliveries.Now, OrganizationId = SampleIds.New("org_"), ExternalId = customer, CustomerId = customer };
        await ProcessedEventAsync("scalekit", ScalekitSamples.Create("organization.created", options with { EventId = SampleIds.New("evt_") }).ToJsonString());
        await ProcessedEventAsync("stripe", StripeSamples.Create("customer.subscription.created", options with { EventId = SampleIds.New("evt_") }).ToJsonString());

        var (exit, output, _) = await Run("customers", "--search", customer);

        Assert.Equal(CliApp.Success, exit);
        Assert.Contains(customer, output, StringComparison.Ordinal);
        Assert.Contains(options.OrganizationId!, output, StringComparison.Ordinal);
        Assert.Contains("active", output, StringComparison.Ordinal);
        var (none, nothing, _) = await Run("customers", "--search", "cus_nobody_has_this_id", "--json");
        Assert.Equal(CliApp.Success, none);
        Assert.Equal(0, JsonDocument.Parse(nothing).RootElement.GetProperty("items").GetArrayLength());
    }

    private Task<string> ProcessedEventAsync() =>
        ProcessedEventAsync("scalekit", ScalekitSamples.Create("role.created", new SampleOptions { OccurredAt = Deliveries.Now, EventId = SampleIds.New("evt_") }).ToJsonString());

    private async Task<string> ProcessedEventAsync(string source, string body)
    {
        var signature = source == "stripe" ? Deliveries.SignStripe(body, host.StripeSecret) : Deliveries.SignScalekit(body, host.ScalekitSecret);
        using var response = await host.Client.PostAsync(source, body, signature);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var eventId = (await response.JsonAsync()).GetProperty("event_id").GetString()!;
        await ScalekitProcessingTests.Eventually(async () =>
        {
            using var row = await host.OpsAsync(HttpMethod.Get, $"/api/ops/events/{source}/{eventId}");
            return row.StatusCode == HttpStatusCode.OK && ProcessingStatusNames.Parse((await row.JsonAsync()).GetProperty("status").GetString()).IsFinal();
        });
        return eventId;
    }

    private Task<(int Exit, string Output, string Error)> Run(params string[] args) =>
        RunRaw([.. args, "--url", host.BaseAddress.ToString(), .. args.Contains("--key") ? Array.Empty<string>() : ["--key", host.OpsKey]]);

    private static async Task<(int Exit, string Output, string Error)> RunRaw(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliApp.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
