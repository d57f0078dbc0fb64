using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Types;
using WireMock.Util;

namespace Scalekit.Webhooks.IntegrationTests.Crm;

/// <summary>The scheduled Salesforce → Scalekit run against WireMock stand-ins of both APIs and a real Azurite.</summary>
public sealed class CrmScheduledSyncTests(CrmStandInFixture host) : CrmTestBase(host), IClassFixture<CrmStandInFixture>
{
    private CrmScheduledSync Sync => Service<CrmScheduledSync>();

    private AccountLinks Links => Service<AccountLinks>();

    private CrmSyncStore Store => Service<CrmSyncStore>();

    [Fact]
    public async Task BothKeysModes_MayNeedMoreThan10Pairs_AndStatsWarnNamingTheSettings()
    {
        // The test hosts run BILLING_METADATA_MODE=keys and CRM_METADATA_MODE=keys: 6 + 6 + onboarding's 2.
        var problems = (await CrmHealthAsync())["configuration_problems"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();

        var warning = Assert.Single(problems, p => p.StartsWith("Organization metadata may need", StringComparison.Ordinal));
        Assert.Contains("may need 14 pairs", warning, StringComparison.Ordinal);
        Assert.Contains("BILLING_METADATA_MODE=keys", warning, StringComparison.Ordinal);
        Assert.Contains("CRM_METADATA_MODE=keys", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_LinkedAccountsOverTwoPages_MergeTheMappedFieldsIntoTheirOrganizations_AndTheWatermarkMovesToTheNewest()
    {
        var (first, second, unlinked) = (NewAccountId(), NewAccountId(), NewAccountId());
        var (orgA, orgB) = (NewOrganizationId(), NewOrganizationId());
        // Linked by the 15-character id, answered with the 18-character one.
        await Links.LinkAsync(orgA, first[..15]);
        await Links.LinkAsync(orgB, second);
        StubOrganization(orgA, new() { ["salesforce_account_id"] = first[..15], ["region"] = "emea" });
        StubOrganization(orgB, new() { ["salesforce_account_id"] = second });
        StubAccountQuery(
            Page(NextPage("FROM Account", 1), Account(first, "2026-11-20T10:00:00.000+0000"), Account(unlinked, "2026-11-20T11:00:00.000+0000")),
            Page(null, Account(second, "2026-11-21T09:30:00.000+0000", industry: null, revenue: 1.5e6)));
        StubEmptyQueries();

        var result = await Sync.RunOnceAsync();

        Assert.Equal(CrmSyncStore.Success, result.Outcome);
        Assert.Equal((2, 0, 0, 1), (result.Applied, result.Unchanged, result.Parked, result.Skipped));
        var writes = ScalekitWrites();
        Assert.Equal(2, writes.Count);
        var a = BodyOf(writes.Single(w => w.RequestMessage.Path.EndsWith(orgA, StringComparison.Ordinal)))["metadata"]!.AsObject();
        Assert.Equal("Banking", a["industry"]!.GetValue<string>());
        Assert.Equal("950000", a["annual_revenue"]!.GetValue<string>());
        Assert.Equal("Grace Hopper", a["account_owner"]!.GetValue<string>());
        Assert.Equal("Customer - Direct", a["account_type"]!.GetValue<string>());
        Assert.Equal("120", a["company_size"]!.GetValue<string>());
        Assert.Equal("emea", a["region"]!.GetValue<string>());
        Assert.Equal(first[..15], a["salesforce_account_id"]!.GetValue<string>());
        Assert.True(DateTimeOffset.TryParse(a["last_crm_sync"]!.GetValue<string>(), out _));
        var b = BodyOf(writes.Single(w => w.RequestMessage.Path.EndsWith(orgB, StringComparison.Ordinal)))["metadata"]!.AsObject();
        Assert.False(b.ContainsKey("industry"));
        Assert.Equal("1500000", b["annual_revenue"]!.GetValue<string>());

        var soql = Queries()[0].RequestMessage.Query!["q"].Single();
        Assert.StartsWith("SELECT Id, Type, SystemModstamp, Industry, AnnualRevenue, Owner.Name, NumberOfEmployees FROM Account", soql, StringComparison.Ordinal);
        Assert.DoesNotContain("WHERE", soql, StringComparison.Ordinal);
        Assert.Equal(DateTimeOffset.Parse("2026-11-21T09:30:00Z", System.Globalization.CultureInfo.InvariantCulture), await Store.GetWatermarkAsync(CrmScheduledSync.Account));

        Salesforce.ResetLogEntries();
        await Sync.RunOnceAsync();

        // WireMock may log the first run's last request after the reset, so the second run's query is looked for among all.
        var accountQueries = Queries().Select(q => q.RequestMessage.Query!["q"].Single()).Where(q => q.Contains("FROM Account", StringComparison.Ordinal)).ToList();
        Assert.Contains(accountQueries, q => q.Contains("FROM Account WHERE SystemModstamp > 2026-11-21T09:30:00.000Z ORDER BY SystemModstamp", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_AccountAlreadyHeldByTheOrganization_SendsNothing()
    {
        var account = NewAccountId();
        var organization = NewOrganizationId();
        await Links.LinkAsync(organization, account);
        StubOrganization(organization, new()
        {
            ["salesforce_account_id"] = account, ["industry"] = "Banking", ["annual_revenue"] = "950000", ["account_owner"] = "Grace Hopper",
            ["account_type"] = "Customer - Direct", ["company_size"] = "120", ["last_crm_sync"] = "2026-11-01T00:00:00Z",
        });
        StubAccountQuery(Page(null, Account(account, "2026-11-22T08:00:00.000+0000")));
        StubEmptyQueries();

        var result = await Sync.RunOnceAsync();

        Assert.Equal((0, 1), (result.Applied, result.Unchanged));
        Assert.Empty(ScalekitWrites());
        Assert.NotNull(await Store.GetWatermarkAsync(CrmScheduledSync.Account));
    }

    [Fact]
    public async Task Run_OrganizationWithoutRoomForTheCrmKeys_IsParked_ListedWithBillings_AndPassedOver()
    {
        var account = NewAccountId();
        var organization = NewOrganizationId();
        await Links.LinkAsync(organization, account);
        var full = Enumerable.Range(1, 7).ToDictionary(i => $"own_key_{i}", i => "x");
        full["salesforce_account_id"] = account;
        StubOrganization(organization, full);
        StubAccountQuery(Page(null, Account(account, "2026-11-22T09:00:00.000+0000")));
        StubEmptyQueries();

        var result = await Sync.RunOnceAsync();

        Assert.Equal((0, 1), (result.Applied, result.Parked));
        Assert.Empty(ScalekitWrites());
        Assert.Equal(DateTimeOffset.Parse("2026-11-22T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture), await Store.GetWatermarkAsync(CrmScheduledSync.Account));
        using var listing = await Host.OpsAsync(HttpMethod.Get, "/api/ops/organizations?over_budget=true");
        var item = JsonNode.Parse(await listing.Content.ReadAsStringAsync())!["items"]!.AsArray().Single(i => i!["organization_id"]!.GetValue<string>() == organization)!;
        Assert.Equal("crm", item["writer"]!.GetValue<string>());
        Assert.Equal(account, item["account_id"]!.GetValue<string>());
        Assert.Contains("Scalekit allows 10: the organization's other keys (8:", item["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("leave 2 for the CRM sync, which needs 6", item["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(8, item["organization_keys"]!.AsArray().Count);

        // Once the organization has room, the next change is applied and the listing forgets it.
        StubOrganization(organization, new() { ["salesforce_account_id"] = account });
        StubAccountQuery(Page(null, Account(account, "2026-11-22T10:00:00.000+0000")));
        Assert.Equal(1, (await Sync.RunOnceAsync()).Applied);
        using var after = await Host.OpsAsync(HttpMethod.Get, "/api/ops/organizations?over_budget=true");
        Assert.DoesNotContain(organization, await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_EnterpriseAccount_SwitchesOnTheEnterpriseFeatures_OnlyWhereOff()
    {
        var account = NewAccountId();
        var organization = NewOrganizationId();
        await Links.LinkAsync(organization, account);
        StubOrganization(organization, new() { ["salesforce_account_id"] = account }, ("sso", false), ("dir_sync", true));
        StubAccountQuery(Page(null, Account(account, "2026-11-22T11:00:00.000+0000", type: "Enterprise")));
        StubEmptyQueries();

        await Sync.RunOnceAsync();

        var settings = Assert.Single(ScalekitWrites(), w => w.RequestMessage.Path.EndsWith("/settings", StringComparison.Ordinal));
        Assert.Equal("""{"features":[{"name":"sso","enabled":true}]}""", settings.RequestMessage.Body);
    }

    [Fact]
    public async Task Run_AccountThatLeftEnterprise_SwitchesTheCrmsFeaturesOff_NeverOthers()
    {
        var account = NewAccountId();
        var organization = NewOrganizationId();
        await Links.LinkAsync(organization, account);
        StubOrganization(organization, new() { ["salesforce_account_id"] = account }, ("sso", true), ("dir_sync", true));
        StubAccountQuery(Page(null, Account(account, "2026-11-22T11:00:00.000+0000", type: "Customer - Direct")));
        StubEmptyQueries();

        await Sync.RunOnceAsync();

        var settings = Assert.Single(ScalekitWrites(), w => w.RequestMessage.Path.EndsWith("/settings", StringComparison.Ordinal));
        Assert.Equal("""{"features":[{"name":"sso","enabled":false}]}""", settings.RequestMessage.Body);
    }

    [Fact]
    public async Task Run_NonEnterpriseAccount_WithTheFeatureAlreadyOff_WritesNoFeatures()
    {
        var account = NewAccountId();
        var organization = NewOrganizationId();
        await Links.LinkAsync(organization, account);
        StubOrganization(organization, new() { ["salesforce_account_id"] = account }, ("sso", false), ("dir_sync", true));
        StubAccountQuery(Page(null, Account(account, "2026-11-22T11:00:00.000+0000", type: "Customer - Direct")));
        StubEmptyQueries();

        await Sync.RunOnceAsync();

        Assert.DoesNotContain(ScalekitWrites(), w => w.RequestMessage.Path.EndsWith("/settings", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_Contact_MergesItsFieldsIntoTheMetadataOfTheOrganizationsUserWithItsEmail()
    {
        var account = NewAccountId();
        var organization = NewOrganizationId();
        await Links.LinkAsync(organization, account);
        StubAccountQuery(Page(null));
        var user = new { id = "usr_77", email = "Ada@Acme.example", metadata = new Dictionary<string, string> { ["hr_employee_id"] = "E-1" }, user_profile = new { given_name = "Ada" } };
        Scalekit.Given(Request.Create().WithPath($"/api/v1/organizations/{organization}/users:search").WithParam("query", "ada@acme.example").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { users = new[] { user }, next_page_token = "" }));
        Scalekit.Given(Request.Create().WithPath("/api/v1/users/usr_77").UsingPatch()).RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { user }));
        StubContactQuery(Page(null,
            new { Id = "003A1", AccountId = account, Email = "ada@acme.example", Title = "CTO", Department = "Engineering", MailingState = "CA", SystemModstamp = "2026-11-22T12:00:00.000+0000" },
            new { Id = "003A2", AccountId = NewAccountId(), Email = "bob@elsewhere.example", Title = "CFO", Department = "Finance", MailingState = "NY", SystemModstamp = "2026-11-22T12:05:00.000+0000" }));

        var result = await Sync.RunOnceAsync();

        Assert.Equal((1, 1), (result.Applied, result.Skipped));
        var patch = Assert.Single(ScalekitWrites());
        var metadata = BodyOf(patch)["metadata"]!.AsObject();
        Assert.Equal("E-1", metadata["hr_employee_id"]!.GetValue<string>());
        Assert.Equal("003A1", metadata["salesforce_contact_id"]!.GetValue<string>());
        Assert.Equal("CTO", metadata["job_title"]!.GetValue<string>());
        Assert.Equal("Engineering", metadata["department"]!.GetValue<string>());
        Assert.Equal("CA", metadata["territory"]!.GetValue<string>());
        Assert.True(metadata.ContainsKey("last_crm_contact_sync"));
        var soql = Queries().Select(q => q.RequestMessage.Query!["q"].Single()).Single(q => q.Contains("FROM Contact", StringComparison.Ordinal));
        Assert.Contains("FROM Contact WHERE AccountId != null ORDER BY SystemModstamp", soql, StringComparison.Ordinal);
        Assert.Equal(DateTimeOffset.Parse("2026-11-22T12:05:00Z", System.Globalization.CultureInfo.InvariantCulture), await Store.GetWatermarkAsync(CrmScheduledSync.Contact));
    }

    [Fact]
    public async Task Run_UsagePastTheCeiling_IsDeferred_WithoutWritingOrMovingTheWatermark()
    {
        var account = NewAccountId();
        var organization = NewOrganizationId();
        await Links.LinkAsync(organization, account);
        StubOrganization(organization, new() { ["salesforce_account_id"] = account });
        Salesforce.Given(Request.Create().WithPath(QueryPath).UsingGet())
            .RespondWith(Json(Page(null, Account(account, "2026-11-22T13:00:00.000+0000")), usage: "api-usage=85000/100000"));

        var result = await Sync.RunOnceAsync();

        Assert.Equal(CrmSyncStore.Deferred, result.Outcome);
        Assert.Contains("85000/100000 (85 %) passed CRM_API_USAGE_CEILING (80 %)", result.Detail, StringComparison.Ordinal);
        Assert.Empty(ScalekitWrites());
        Assert.Single(Queries());
        Assert.Null(await Store.GetWatermarkAsync(CrmScheduledSync.Account));
        var health = await CrmHealthAsync();
        Assert.Equal(85.0, health["api_usage"]!["percent"]!.GetValue<double>());
    }

    [Fact]
    public async Task Run_OnASlowScalekit_StopsAtItsTimeBudget_AndTheNextRunContinuesAfterTheLastRecordDone()
    {
        var accounts = new[] { NewAccountId(), NewAccountId(), NewAccountId() };
        var stamps = new[] { "2026-11-23T08:00:00.000+0000", "2026-11-23T09:00:00.000+0000", "2026-11-23T10:00:00.000+0000" };
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        foreach (var account in accounts)
        {
            var organization = NewOrganizationId();
            await Links.LinkAsync(organization, account);
            StubOrganization(organization, new() { ["salesforce_account_id"] = account });
            // Each organization read takes three minutes of the run's clock: the budget (4 minutes) lasts two records.
            Scalekit.Given(Request.Create().WithPath($"/api/v1/organizations/{organization}").UsingGet()).AtPriority(Fallback - 1)
                .RespondWith(Response.Create().WithCallback(_ =>
                {
                    clock.Advance(TimeSpan.FromMinutes(3));
                    return OrganizationAnswer(organization, account);
                }));
        }

        StubAccountQuery(Page(null, [.. accounts.Select((account, i) => Account(account, stamps[i]))]));
        StubEmptyQueries();
        var sync = SyncOn(clock);
        Assert.Equal(TimeSpan.FromMinutes(4), Service<IOptions<CrmOptions>>().Value.RunBudget);

        var first = await sync.RunOnceAsync();

        Assert.Equal(CrmSyncStore.Deferred, first.Outcome);
        Assert.Contains("time budget (4 minutes) is used up", first.Detail, StringComparison.Ordinal);
        Assert.Equal(2, first.Applied);
        Assert.Equal(DateTimeOffset.Parse("2026-11-23T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture), await Store.GetWatermarkAsync(CrmScheduledSync.Account));

        // Salesforce answers the next run's query with what changed after the watermark: the third account.
        Salesforce.ResetLogEntries();
        StubAccountQuery(Page(null, Account(accounts[2], stamps[2])));
        var second = await sync.RunOnceAsync();

        Assert.Equal(CrmSyncStore.Success, second.Outcome);
        Assert.Equal(1, second.Applied);
        var soql = Queries().Select(q => q.RequestMessage.Query!["q"].Single()).First(q => q.Contains("FROM Account", StringComparison.Ordinal));
        Assert.Contains("FROM Account WHERE SystemModstamp > 2026-11-23T09:00:00.000Z", soql, StringComparison.Ordinal);
        Assert.Equal(3, ScalekitWrites().Count(w => w.RequestMessage.Method == "PATCH"));
    }

    /// <summary>The host's scheduled sync with its own clock (the rest of the host keeps the system clock).</summary>
    private CrmScheduledSync SyncOn(TimeProvider clock) => new(
        Service<SalesforceClient>(),
        Service<ScalekitClient>(),
        Service<ScalekitUserClient>(),
        Service<IOptions<SalesforceOptions>>(),
        Service<IOptions<CrmOptions>>(),
        Service<IOptions<ScalekitOptions>>(),
        Links,
        Store,
        Service<Ownership>(),
        clock,
        Service<ILogger<CrmScheduledSync>>());

    private static ResponseMessage OrganizationAnswer(string organizationId, string accountId)
    {
        var body = new JsonObject
        {
            ["organization"] = new JsonObject
            {
                ["id"] = organizationId,
                ["display_name"] = "Acme",
                ["metadata"] = new JsonObject { ["salesforce_account_id"] = accountId },
                ["settings"] = new JsonObject { ["features"] = new JsonArray() },
            },
        };
        var message = new ResponseMessage
        {
            StatusCode = 200,
            BodyData = new BodyData { BodyAsString = body.ToJsonString(), DetectedBodyType = BodyType.String, Encoding = Encoding.UTF8 },
        };
        message.AddHeader("Content-Type", "application/json");
        return message;
    }

    [Fact]
    public async Task Run_RequestLimitExceededOnTheNextPage_StopsTheRun_KeepingWhatWasDone()
    {
        var (first, second) = (NewAccountId(), NewAccountId());
        var organization = NewOrganizationId();
        await Links.LinkAsync(organization, first);
        StubOrganization(organization, new() { ["salesforce_account_id"] = first });
        Salesforce.Given(Request.Create().WithPath(QueryPath).UsingGet())
            .RespondWith(Json(Page(NextPage("FROM Account", 1), Account(first, "2026-11-22T14:00:00.000+0000"), Account(second, "2026-11-22T14:30:00.000+0000"))));
        Salesforce.Given(Request.Create().WithPath(NextPage("FROM Account", 1)).UsingGet())
            .RespondWith(Json(new[] { new { message = "TotalRequests Limit exceeded.", errorCode = "REQUEST_LIMIT_EXCEEDED" } }, 403, "api-usage=100001/100000"));

        var result = await Sync.RunOnceAsync();

        Assert.Equal(CrmSyncStore.Failure, result.Outcome);
        Assert.Contains("REQUEST_LIMIT_EXCEEDED", result.Detail, StringComparison.Ordinal);
        Assert.Equal(1, result.Applied);
        // The second account's stamp may continue on the page that failed: the next run starts after the first.
        Assert.Equal(DateTimeOffset.Parse("2026-11-22T14:00:00Z", System.Globalization.CultureInfo.InvariantCulture), await Store.GetWatermarkAsync(CrmScheduledSync.Account));
        Assert.Single(Salesforce.LogEntries, e => e.RequestMessage.Path == NextPage("FROM Account", 1));
        var health = await CrmHealthAsync();
        Assert.Equal("failing", health["status"]!.GetValue<string>());
        Assert.Contains("REQUEST_LIMIT_EXCEEDED", health["last_error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ServerErrors_AreRetriedWithBackOff_ThenTheRunGoesOn()
    {
        var account = NewAccountId();
        var organization = NewOrganizationId();
        await Links.LinkAsync(organization, account);
        StubOrganization(organization, new() { ["salesforce_account_id"] = account });
        Salesforce.Given(Request.Create().WithPath(QueryPath).UsingGet()).InScenario("flaky").WillSetStateTo("one")
            .RespondWith(Json(new[] { new { message = "down", errorCode = "SERVER_UNAVAILABLE" } }, 503));
        Salesforce.Given(Request.Create().WithPath(QueryPath).UsingGet()).InScenario("flaky").WhenStateIs("one").WillSetStateTo("two")
            .RespondWith(Response.Create().WithStatusCode(429));
        Salesforce.Given(Request.Create().WithPath(QueryPath).UsingGet()).InScenario("flaky").WhenStateIs("two")
            .RespondWith(Json(Page(null, Account(account, "2026-11-22T15:00:00.000+0000"))));

        var result = await Sync.RunOnceAsync();

        Assert.Equal(CrmSyncStore.Success, result.Outcome);
        Assert.Equal(1, result.Applied);
        Assert.True(Queries().Count >= 3);
    }

    [Theory]
    [InlineData(500, "[{\"message\":\"An unexpected error occurred\",\"errorCode\":\"UNKNOWN_EXCEPTION\"}]", "500 UNKNOWN_EXCEPTION")]
    [InlineData(200, "<html>maintenance</html>", "MALFORMED_ANSWER")]
    [InlineData(200, "{\"done\":true}", "without a records array")]
    [InlineData(400, "[{\"message\":\"No such column 'Industry__x' on entity 'Account'\",\"errorCode\":\"INVALID_FIELD\"}]", "400 INVALID_FIELD")]
    public async Task Run_SalesforceFailure_FailsTheRun_RecordsIt_AndKeepsTheWatermark(int status, string body, string expected)
    {
        await Store.SetWatermarkAsync(CrmScheduledSync.Account, DateTimeOffset.Parse("2026-11-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        Salesforce.Given(Request.Create().WithPath(QueryPath).UsingGet()).RespondWith(Response.Create().WithStatusCode(status).WithBody(body));

        var error = await Assert.ThrowsAsync<SalesforceApiException>(() => Sync.RunOnceAsync());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(DateTimeOffset.Parse("2026-11-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), await Store.GetWatermarkAsync(CrmScheduledSync.Account));
        Assert.Empty(ScalekitWrites());
        var health = await CrmHealthAsync();
        Assert.Contains(expected, health["last_error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(health["failures"]!.GetValue<int>() >= 1);
    }

    [Fact]
    public async Task Run_SalesforceHangs_EachAttemptTimesOut_AndTheRunFails()
    {
        Salesforce.Given(Request.Create().WithPath(QueryPath).UsingGet()).RespondWith(Json(Page(null)).WithDelay(TimeSpan.FromSeconds(10)));

        await Assert.ThrowsAnyAsync<Exception>(() => Sync.RunOnceAsync());

        Assert.Null(await Store.GetWatermarkAsync(CrmScheduledSync.Account));
        Assert.Equal(CrmSyncStore.Failure, (await Store.ActivitySinceAsync(DateTimeOffset.UtcNow.AddMinutes(-1)).FirstAsync()).Outcome);
    }

    [Fact]
    public async Task Run_ScalekitRefusesTheOrganization_ParksTheRecord_WhileAScalekitOutageStopsTheRun()
    {
        var (refused, outage) = (NewAccountId(), NewAccountId());
        var (orgRefused, orgOutage) = (NewOrganizationId(), NewOrganizationId());
        await Links.LinkAsync(orgRefused, refused);
        await Links.LinkAsync(orgOutage, outage);
        StubOrganization(orgRefused, new() { ["salesforce_account_id"] = refused });
        StubOrganization(orgOutage, new() { ["salesforce_account_id"] = outage });
        Scalekit.Given(Request.Create().WithPath($"/api/v1/organizations/{orgRefused}").UsingPatch())
            .RespondWith(Response.Create().WithStatusCode(400).WithBodyAsJson(new { code = 3, message = "metadata value too long" }));
        Scalekit.Given(Request.Create().WithPath($"/api/v1/organizations/{orgOutage}").UsingPatch())
            .RespondWith(Response.Create().WithStatusCode(503).WithBodyAsJson(new { code = 14, message = "unavailable" }));
        StubAccountQuery(Page(null, Account(refused, "2026-11-22T16:00:00.000+0000"), Account(outage, "2026-11-22T16:10:00.000+0000")));

        await Assert.ThrowsAnyAsync<Exception>(() => Sync.RunOnceAsync());

        Assert.Equal(DateTimeOffset.Parse("2026-11-22T16:00:00Z", System.Globalization.CultureInfo.InvariantCulture), await Store.GetWatermarkAsync(CrmScheduledSync.Account));
    }

    [Fact]
    public async Task OrganizationEvents_KeepTheLinkFromTheirSalesforceAccountId()
    {
        var organization = NewOrganizationId();
        var account = NewAccountId();

        await Service<CrmEventHook>().AfterAppliedAsync(OrganizationEvent("organization.created", organization, account), "evt_1", DateTimeOffset.UtcNow);
        Assert.Equal(account, await Links.FindAccountAsync(organization));
        Assert.Equal(organization, await Links.FindOrganizationAsync(account[..15]));

        var other = NewAccountId();
        await Service<CrmEventHook>().AfterAppliedAsync(OrganizationEvent("organization.updated", organization, other), "evt_2", DateTimeOffset.UtcNow);
        Assert.Equal(other, await Links.FindAccountAsync(organization));
        Assert.Null(await Links.FindOrganizationAsync(account));

        await Service<CrmEventHook>().AfterAppliedAsync(OrganizationEvent("organization.updated", organization, null), "evt_3", DateTimeOffset.UtcNow);
        Assert.Null(await Links.FindAccountAsync(organization));
        Assert.Null(await Links.FindOrganizationAsync(other));
    }

    private static System.Text.Json.JsonElement OrganizationEvent(string type, string organization, string? account)
    {
        var metadata = new JsonObject { ["plan_type"] = "pro" };
        if (account is not null)
        {
            metadata["salesforce_account_id"] = account;
        }

        var body = new JsonObject { ["type"] = type, ["organization_id"] = organization, ["data"] = new JsonObject { ["id"] = organization, ["metadata"] = metadata } };
        return System.Text.Json.JsonDocument.Parse(body.ToJsonString()).RootElement.Clone();
    }
}
