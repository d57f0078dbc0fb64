using System.Net;
using System.Text.Json;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Samples;

namespace Scalekit.Webhooks.IntegrationTests.Processing;

public class OpsApiTests(ConsumingHostFixture host) : IClassFixture<ConsumingHostFixture>
{
    public static TheoryData<string, string> Routes => new()
    {
        { "GET", "/api/ops/stats" },
        { "GET", "/api/ops/events" },
        { "GET", "/api/ops/events/scalekit/evt_1" },
        { "POST", "/api/ops/events/scalekit/evt_1/replay" },
        { "GET", "/api/ops/dead-letters" },
        { "POST", "/api/ops/dead-letters/replay" },
        { "POST", "/api/ops/dead-letters/stripe/evt_1/replay" },
        { "GET", "/api/ops/organizations/org_1" },
        { "GET", "/api/ops/organizations/org_1/directory-users" },
        { "GET", "/api/ops/organizations/org_1/members" },
        { "GET", "/api/ops/customers/cus_1" },
        { "GET", "/api/ops/openapi.json" },
    };

    [Fact]
    public async Task OpenApiDocument_IsServedWithTheKey_AndNamesEveryRoute()
    {
        using var response = await host.OpsAsync(HttpMethod.Get, "/api/ops/openapi.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var paths = (await response.JsonAsync()).GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/ops/organizations/{orgId}", out var organization));
        Assert.True(organization.GetProperty("get").GetProperty("responses").TryGetProperty("200", out _));
        Assert.True(paths.TryGetProperty("/api/ops/dead-letters/replay", out _));
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task EveryRoute_WithoutKey_Is401(string method, string path)
    {
        using var response = await host.OpsAsync(new HttpMethod(method), path, key: null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("unauthorized", (await response.JsonAsync()).GetProperty("reason").GetString());
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task EveryRoute_WithWrongKey_Is401(string method, string path)
    {
        using var response = await host.OpsAsync(new HttpMethod(method), path, key: host.OpsKey + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task EveryRoute_WithTheKey_IsAnswered(string method, string path)
    {
        using var response = await host.OpsAsync(new HttpMethod(method), path);
        Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.True((int)response.StatusCode < 500, $"{method} {path} answered {(int)response.StatusCode}");
    }

    [Fact]
    public async Task KeyAsCodeQueryParameter_IsRefused_OnlyTheHeaderCounts()
    {
        using var response = await host.OpsAsync(HttpMethod.Get, "/api/ops/stats?code=" + Uri.EscapeDataString(host.OpsKey), key: null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("x-functions-key", (await response.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task EveryRoute_WithOrWithoutTheKey_IsNeverStored(string method, string path)
    {
        foreach (var key in new[] { string.Empty, null })
        {
            using var response = await host.OpsAsync(new HttpMethod(method), path, key);
            Assert.True(response.Headers.CacheControl?.NoStore, $"{method} {path} (key: {key is not null}) has Cache-Control: {response.Headers.CacheControl}");
        }
    }

    [Fact]
    public async Task Stats_ShowsQueueDepthsCountsLatencyAndParked()
    {
        var eventId = await PostScalekitAsync("role.created");
        await WaitFinalAsync("scalekit", eventId);

        using var response = await host.OpsAsync(HttpMethod.Get, "/api/ops/stats?window=1h");
        var stats = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3600, stats.GetProperty("window_seconds").GetInt64());
        Assert.True(stats.GetProperty("queues").TryGetProperty("scalekit-events-poison", out _));
        Assert.Contains(stats.GetProperty("events").EnumerateArray(), e => e.GetProperty("type").GetString() == "role.created" && e.GetProperty("count").GetInt32() >= 1);
        Assert.True(stats.GetProperty("processing_latency_ms").GetProperty("p95").GetDouble() >= 0);
        Assert.True(stats.GetProperty("parked").GetInt32() >= 0);
    }

    [Fact]
    public async Task Stats_HasPerMinuteSeries_PerSourceDepths_AndBillingHealth()
    {
        var eventId = await PostScalekitAsync("role.updated");
        await WaitFinalAsync("scalekit", eventId);

        using var response = await host.OpsAsync(HttpMethod.Get, "/api/ops/stats?window=1h");
        var stats = await response.JsonAsync();

        var series = stats.GetProperty("series");
        Assert.Equal(60, series.GetProperty("bucket_seconds").GetInt64());
        var buckets = series.GetProperty("ingested").GetArrayLength();
        Assert.InRange(buckets, 60, 61);
        foreach (var name in new[] { "processed", "failed", "parked", "latency_p50_ms", "latency_p95_ms" })
        {
            Assert.Equal(buckets, series.GetProperty(name).GetArrayLength());
        }

        Assert.True(series.GetProperty("ingested").EnumerateArray().Sum(n => n.GetInt32()) >= 1);
        Assert.True(series.GetProperty("processed").EnumerateArray().Sum(n => n.GetInt32()) >= 1);
        Assert.Contains(series.GetProperty("latency_p95_ms").EnumerateArray(), n => n.ValueKind == JsonValueKind.Number);
        var sources = stats.GetProperty("sources").EnumerateArray().ToDictionary(s => s.GetProperty("source").GetString()!);
        Assert.Equal(Webhooks.Ingest.EventSources.All.Count, sources.Count);
        Assert.Equal("scalekit-events-poison", sources["scalekit"].GetProperty("poison_queue").GetString());
        Assert.Equal(0, sources["scalekit"].GetProperty("poison_depth").GetInt32());
        Assert.True(sources["scalekit"].GetProperty("processed").GetInt32() >= 1);
        var billing = Assert.Single(stats.GetProperty("integrations").EnumerateArray(), i => i.GetProperty("name").GetString() == "billing");
        Assert.Equal("dry-run", billing.GetProperty("mode").GetString());
    }

    [Fact]
    public async Task Stats_SevenDays_UsesTenMinuteBuckets()
    {
        using var response = await host.OpsAsync(HttpMethod.Get, "/api/ops/stats?window=7d");
        var series = (await response.JsonAsync()).GetProperty("series");
        Assert.Equal(600, series.GetProperty("bucket_seconds").GetInt64());
        Assert.InRange(series.GetProperty("ingested").GetArrayLength(), 1008, 1009);
    }

    [Theory]
    [InlineData("window=abc")]
    [InlineData("window=-5m")]
    [InlineData("window=NaN")]
    [InlineData("window=NaNh")]
    [InlineData("window=Infinity")]
    [InlineData("window=1e9d")]
    public async Task Stats_BadWindow_Is400(string query)
    {
        using var response = await host.OpsAsync(HttpMethod.Get, "/api/ops/stats?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("window", (await response.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EventShow_ReturnsTheLedgerRow_AndUnknownIs404_AndBadSourceIs400()
    {
        var eventId = await PostScalekitAsync("permission.created");
        await WaitFinalAsync("scalekit", eventId);

        using var found = await host.OpsAsync(HttpMethod.Get, $"/api/ops/events/scalekit/{eventId}");
        var row = await found.JsonAsync();
        Assert.Equal("permission.created", row.GetProperty("event_type").GetString());
        Assert.Equal(1, row.GetProperty("attempts").GetInt32());
        using var missing = await host.OpsAsync(HttpMethod.Get, "/api/ops/events/scalekit/evt_does_not_exist");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var badSource = await host.OpsAsync(HttpMethod.Get, "/api/ops/events/github/evt_1");
        Assert.Equal(HttpStatusCode.BadRequest, badSource.StatusCode);
    }

    [Fact]
    public async Task EventShow_ClaimCheckedEvent_IncludesItsStoredPayload()
    {
        var sample = ScalekitSamples.Create("organization.updated", new SampleOptions { OccurredAt = Deliveries.Now, OrganizationId = "org_claim_checked", EventId = SampleIds.New("evt_") });
        sample["data"]!["display_name"] = new string('x', 70_000);
        var body = sample.ToJsonString();
        var eventId = await PostAsync(body);
        await WaitFinalAsync("scalekit", eventId);

        using var found = await host.OpsAsync(HttpMethod.Get, $"/api/ops/events/scalekit/{eventId}");
        var row = await found.JsonAsync();

        Assert.False(string.IsNullOrEmpty(row.GetProperty("payload_blob").GetString()));
        Assert.Equal(body, row.GetProperty("payload").GetString());
    }

    [Fact]
    public async Task EventSearch_FiltersByTypeAndOrganizationAndPages()
    {
        var org = SampleIds.New("org_");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await PostScalekitAsync("organization.domain_created", org, Deliveries.Now.AddSeconds(i)));
        }

        foreach (var id in ids)
        {
            await WaitFinalAsync("scalekit", id);
        }

        using var first = await host.OpsAsync(HttpMethod.Get, $"/api/ops/events?source=scalekit&type=organization.domain_created&organizationId={org}&pageSize=2");
        var page = await first.JsonAsync();
        Assert.Equal(2, page.GetProperty("items").GetArrayLength());
        var token = page.GetProperty("continuation_token").GetString();
        Assert.NotNull(token);
        using var second = await host.OpsAsync(HttpMethod.Get, $"/api/ops/events?source=scalekit&type=organization.domain_created&organizationId={org}&pageSize=2&continuationToken={Uri.EscapeDataString(token)}");
        var rest = (await second.JsonAsync()).GetProperty("items");
        var all = page.GetProperty("items").EnumerateArray().Concat(rest.EnumerateArray()).Select(e => e.GetProperty("event_id").GetString()).ToList();
        Assert.Equal(ids.Order(), all.Order());
    }

    [Fact]
    public async Task ForcedReplayOfAProcessedEvent_AppliesItAgain()
    {
        var eventId = await PostScalekitAsync("organization.sso_created", SampleIds.New("org_"));
        await WaitFinalAsync("scalekit", eventId);

        using var replay = await host.OpsAsync(HttpMethod.Post, $"/api/ops/events/scalekit/{eventId}/replay");
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);

        await ScalekitProcessingTests.Eventually(async () =>
        {
            using var response = await host.OpsAsync(HttpMethod.Get, $"/api/ops/events/scalekit/{eventId}");
            var row = await response.JsonAsync();
            return row.GetProperty("attempts").GetInt32() == 2 && row.GetProperty("status").GetString() == "processed";
        });
        using var unknown = await host.OpsAsync(HttpMethod.Post, "/api/ops/events/scalekit/evt_unknown/replay");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task OrganizationReadModel_ShowsStateCountsAndPagedUsersAndMembers()
    {
        var org = SampleIds.New("org_");
        var customer = SampleIds.New("cus_");
        var options = new SampleOptions { OccurredAt = Deliveries.Now, OrganizationId = org, ExternalId = customer };
        var ids = new List<string>
        {
            await PostAsync(ScalekitSamples.Create("organization.created", options with { EventId = SampleIds.New("evt_") }).ToJsonString()),
            await PostAsync(ScalekitSamples.Create("organization.directory.user_created", options with { EventId = SampleIds.New("evt_"), DirectoryUserId = "diruser_a" }).ToJsonString()),
            await PostAsync(ScalekitSamples.Create("organization.directory.user_created", options with { EventId = SampleIds.New("evt_"), DirectoryUserId = "diruser_b" }).ToJsonString()),
            await PostAsync(ScalekitSamples.Create("organization.directory.group_created", options with { EventId = SampleIds.New("evt_") }).ToJsonString()),
            await PostAsync(ScalekitSamples.Create("user.organization_membership_created", options with { EventId = SampleIds.New("evt_") }).ToJsonString()),
        };
        foreach (var id in ids)
        {
            await WaitFinalAsync("scalekit", id);
        }

        using var response = await host.OpsAsync(HttpMethod.Get, $"/api/ops/organizations/{org}");
        var state = await response.JsonAsync();
        Assert.Equal("Acme Corp", state.GetProperty("display_name").GetString());
        Assert.Equal("gold", state.GetProperty("metadata").GetProperty("tier").GetString());
        Assert.Equal(customer, state.GetProperty("stripe_customer_id").GetString());
        Assert.Equal(2, state.GetProperty("counts").GetProperty("directory_users").GetInt32());
        Assert.Equal(1, state.GetProperty("counts").GetProperty("directory_groups").GetInt32());
        Assert.Equal(1, state.GetProperty("counts").GetProperty("members").GetInt32());
        Assert.Equal("organization.created", state.GetProperty("last_applied_event").GetProperty("type").GetString());

        using var users = await host.OpsAsync(HttpMethod.Get, $"/api/ops/organizations/{org}/directory-users?pageSize=1");
        var usersPage = await users.JsonAsync();
        Assert.Equal(1, usersPage.GetProperty("items").GetArrayLength());
        Assert.NotNull(usersPage.GetProperty("continuation_token").GetString());
        using var members = await host.OpsAsync(HttpMethod.Get, $"/api/ops/organizations/{org}/members");
        Assert.Equal("ada@acme.example", (await members.JsonAsync()).GetProperty("items")[0].GetProperty("email").GetString());
        using var missing = await host.OpsAsync(HttpMethod.Get, "/api/ops/organizations/org_never_seen");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task CustomerReadModel_ShowsSubscriptionLinkAndLastSync()
    {
        var org = SampleIds.New("org_");
        var customer = SampleIds.New("cus_");
        await WaitFinalAsync("scalekit", await PostAsync(ScalekitSamples.Create("organization.created", new SampleOptions { OccurredAt = Deliveries.Now, OrganizationId = org, ExternalId = customer, EventId = SampleIds.New("evt_") }).ToJsonString()));
        var body = StripeSamples.Create("customer.subscription.created", new SampleOptions { OccurredAt = Deliveries.Now, CustomerId = customer, ItemLookupKeys = ["pro_monthly", "seat_monthly"], ItemQuantity = 7 }).ToJsonString();
        using (var posted = await host.Client.PostAsync("stripe", body, Deliveries.SignStripe(body, host.StripeSecret)))
        {
            await WaitFinalAsync("stripe", (await posted.JsonAsync()).GetProperty("event_id").GetString()!);
        }

        using var response = await host.OpsAsync(HttpMethod.Get, $"/api/ops/customers/{customer}");
        var state = await response.JsonAsync();
        Assert.Equal(org, state.GetProperty("organization_id").GetString());
        Assert.Equal("active", state.GetProperty("subscriptions")[0].GetProperty("status").GetString());
        var items = state.GetProperty("subscriptions")[0].GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["pro_monthly", "seat_monthly"], items.Select(i => i.GetProperty("price_lookup_key").GetString()));
        Assert.All(items, item => Assert.Equal(7, item.GetProperty("quantity").GetInt64()));
        Assert.Equal(JsonValueKind.Null, state.GetProperty("seats").ValueKind);
        Assert.Equal("dry-run", state.GetProperty("sync").GetProperty("last_attempt").GetProperty("result").GetString());
        using var missing = await host.OpsAsync(HttpMethod.Get, "/api/ops/customers/cus_never_seen");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private Task<string> PostScalekitAsync(string type, string? org = null, DateTimeOffset? at = null) =>
        PostAsync(ScalekitSamples.Create(type, new SampleOptions { OccurredAt = at ?? Deliveries.Now, OrganizationId = org ?? "org_62711281101783560", EventId = SampleIds.New("evt_") }).ToJsonString());

    private async Task<string> PostAsync(string body)
    {
        using var response = await host.Client.PostAsync("scalekit", body, Deliveries.SignScalekit(body, host.ScalekitSecret));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("event_id").GetString()!;
    }

    private Task WaitFinalAsync(string source, string eventId) => ScalekitProcessingTests.Eventually(async () =>
    {
        using var response = await host.OpsAsync(HttpMethod.Get, $"/api/ops/events/{source}/{eventId}");
        return response.StatusCode == HttpStatusCode.OK && ProcessingStatusNames.Parse((await response.JsonAsync()).GetProperty("status").GetString()).IsFinal();
    });
}
