using System.Net;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Scalekit.Webhooks.IntegrationTests.Processing;

/// <summary>A consuming host that retries at once (host.json overridden as Functions allows) against a WireMock Scalekit.</summary>
public sealed class FastRetryHostFixture : LocalHostFixture
{
    public WireMockServer Scalekit { get; } = WireMockServer.Start();

    protected override bool QueueTriggersEnabled => true;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["AzureFunctionsJobHost__extensions__queues__visibilityTimeout".Replace("__", ":", StringComparison.Ordinal)] = "00:00:00",
        ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.100",
        ["SCALEKIT_ENVIRONMENT_URL"] = Scalekit.Url,
        ["SCALEKIT_CLIENT_ID"] = "skc_test",
        ["SCALEKIT_CLIENT_SECRET"] = "test-secret",
        ["SCALEKIT_MAX_RETRIES"] = "0",
        ["SCALEKIT_CIRCUIT_BREAK_SECONDS"] = "0.5",
        ["DEADLETTER_REPLAY_BASE_DELAY_SECONDS"] = "0",
        ["BILLING_PLAN_MAP"] = ScalekitStandInFixture.PlanMapJson,
    };
}

public class DeadLetterFlowTests(FastRetryHostFixture host) : IClassFixture<FastRetryHostFixture>
{
    [Fact]
    public async Task DeterministicFailure_GoesToPoison_IsParkedAfterReplays_ThenResolvedByAnApiReplayOnceFixed()
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        host.Scalekit.Given(Request.Create().WithPath("/oauth/token").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { access_token = "t", expires_in = 86399 }));
        host.Scalekit.Given(Request.Create().WithPath($"/api/v1/organizations:external/{customer}").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(500).WithBodyAsJson(new { code = 13, message = "scalekit is down" }));
        var body = StripeSamples.Create("customer.subscription.updated", new SampleOptions { OccurredAt = Deliveries.Now, CustomerId = customer }).ToJsonString();
        string eventId;
        using (var response = await host.Client.PostAsync("stripe", body, Deliveries.SignStripe(body, host.StripeSecret)))
        {
            eventId = (await response.JsonAsync()).GetProperty("event_id").GetString()!;
        }

        // 1. Five failed attempts move the message to the poison queue.
        var poison = host.Queue(StorageNames.PoisonQueueFor(StripeSource.Id));
        await ScalekitProcessingTests.Eventually(async () => (await poison.PeekMessagesAsync()).Value.Length == 1);
        Assert.Equal(5, (await Ledger.FindAsync(StripeSource.Id, eventId))!.Attempts);

        // 2. The replayer sends it back five times, then parks it with the reason.
        var replayer = host.Host.Services.GetRequiredService<DeadLetterReplayer>();
        var deadLetters = host.Host.Services.GetRequiredService<DeadLetterStore>();
        for (var replay = 1; replay <= 5; replay++)
        {
            Assert.Equal(new ReplayRun(1, 0), await replayer.RunOnceAsync());
            await ScalekitProcessingTests.Eventually(async () => (await poison.PeekMessagesAsync()).Value.Length == 1);
        }

        Assert.Equal(new ReplayRun(0, 1), await replayer.RunOnceAsync());
        var parked = await deadLetters.FindAsync(StripeSource.Id, eventId);
        Assert.Equal(DeadLetterStatus.Parked, parked!.Status);
        Assert.Equal(5, parked.ReplayCount);
        Assert.Equal(30, parked.Attempts);
        Assert.Matches("500|circuit", parked.Reason);
        Assert.Empty((await poison.PeekMessagesAsync()).Value);

        // 3. Operators see it.
        using (var stats = await host.OpsAsync(HttpMethod.Get, "/api/ops/stats"))
        {
            var answer = await stats.JsonAsync();
            Assert.True(answer.GetProperty("parked").GetInt32() >= 1);
            Assert.True(answer.GetProperty("series").GetProperty("parked").EnumerateArray().Sum(n => n.GetInt32()) >= 1);
            Assert.True(answer.GetProperty("series").GetProperty("failed").EnumerateArray().Sum(n => n.GetInt32()) >= 1);
            var billing = answer.GetProperty("integrations").EnumerateArray().Single(i => i.GetProperty("name").GetString() == "billing");
            Assert.Equal("live", billing.GetProperty("mode").GetString());
            Assert.True(billing.GetProperty("failures").GetInt32() >= 1);
            Assert.Equal("failing", billing.GetProperty("status").GetString());
            Assert.Matches("500|circuit", billing.GetProperty("last_error").GetString());
        }

        using (var list = await host.OpsAsync(HttpMethod.Get, "/api/ops/dead-letters?source=stripe&type=customer.subscription.updated"))
        {
            Assert.Contains((await list.JsonAsync()).GetProperty("items").EnumerateArray(), item => item.GetProperty("event_id").GetString() == eventId);
        }

        // 4. The cause is fixed; a dry run counts, then a replay through the API processes it and resolves the entry.
        host.Scalekit.Reset();
        host.Scalekit.Given(Request.Create().WithPath("/oauth/token").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { access_token = "t", expires_in = 86399 }));
        var organization = new { organization = new { id = org, external_id = customer, metadata = new Dictionary<string, string>(), settings = new { features = Array.Empty<object>() } } };
        host.Scalekit.Given(Request.Create().WithPath($"/api/v1/organizations:external/{customer}").UsingGet()).RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(organization));
        host.Scalekit.Given(Request.Create().WithPath($"/api/v1/organizations/{org}*").UsingPatch()).RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(organization));
        await Task.Delay(TimeSpan.FromSeconds(0.6)); // let the circuit breaker close

        using (var dryRun = await host.OpsAsync(HttpMethod.Post, "/api/ops/dead-letters/replay?source=stripe&type=customer.subscription.updated"))
        {
            var answer = await dryRun.JsonAsync();
            Assert.True(answer.GetProperty("dry_run").GetBoolean());
            Assert.True(answer.GetProperty("would_replay").GetInt32() >= 1);
            Assert.Equal(DeadLetterStatus.Parked, (await deadLetters.FindAsync(StripeSource.Id, eventId))!.Status);
        }

        using (var replay = await host.OpsAsync(HttpMethod.Post, $"/api/ops/dead-letters/stripe/{eventId}/replay"))
        {
            Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        }

        await ScalekitProcessingTests.Eventually(async () => (await deadLetters.FindAsync(StripeSource.Id, eventId))!.Status == DeadLetterStatus.Resolved);
        Assert.Equal(ProcessingStatus.Processed, (await Ledger.FindAsync(StripeSource.Id, eventId))!.Status);
        Assert.Single(host.Scalekit.LogEntries, e => e.RequestMessage.Method == "PATCH" && e.RequestMessage.Path == $"/api/v1/organizations/{org}");
    }

    [Fact]
    public async Task PoisonMessageThatIsNotAnEnvelope_IsParkedAtOnce()
    {
        var poison = host.Queue(StorageNames.PoisonQueueFor(ScalekitSource.Id));
        var sent = (await poison.SendMessageAsync(BinaryData.FromString("garbage"))).Value;
        var replayer = host.Host.Services.GetRequiredService<DeadLetterReplayer>();

        var run = await replayer.RunOnceAsync();

        Assert.Equal(1, run.Parked);
        var row = await host.Host.Services.GetRequiredService<DeadLetterStore>().FindAsync(ScalekitSource.Id, "msg_" + sent.MessageId);
        Assert.Equal("garbage", row!.Message!.ToString());
        using var replay = await host.OpsAsync(HttpMethod.Post, $"/api/ops/dead-letters/scalekit/msg_{sent.MessageId}/replay");
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
    }

    private EventLedgerQueries Ledger => host.Host.Services.GetRequiredService<EventLedgerQueries>();
}
