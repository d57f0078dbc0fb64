using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.LocalHost;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Scalekit.Webhooks.IntegrationTests.Crm;

/// <summary>The local host runs both directions by itself: the CRM timer job and the account-update queue listener.</summary>
public sealed class CrmConsumingFixture : CrmStandInFixture
{
    protected override bool QueueTriggersEnabled => true;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(base.ExtraSettings)
    {
        ["LOCAL_TIMERS_ENABLED"] = "true",
        ["CRM_SYNC_SCHEDULE"] = "*/2 * * * * *",
    };
}

public sealed class CrmHostTests(CrmConsumingFixture host) : CrmTestBase(host), IClassFixture<CrmConsumingFixture>
{
    [Fact]
    public async Task LocalHost_LinksFromTheEvent_SyncsTheAccountOnItsSchedule_AndWritesTheLoginBack()
    {
        var organization = NewOrganizationId();
        var account = NewAccountId();
        var accountPath = $"/services/data/v68.0/sobjects/Account/{account}";
        StubOrganization(organization, new() { ["salesforce_account_id"] = account });
        Salesforce.Given(Request.Create().WithPath(QueryPath).UsingGet())
            .RespondWith(Json(Page(null, Account(account, "2026-11-23T10:00:00.000+0000"))));
        Salesforce.Given(Request.Create().WithPath(accountPath).UsingGet())
            .RespondWith(Json(new { Active_Users__c = 0, Last_Login_Date__c = (string?)null }).WithHeader("ETag", "\"v1\""));
        Salesforce.Given(Request.Create().WithPath(accountPath).UsingPatch()).RespondWith(Response.Create().WithStatusCode(204));

        var options = new SampleOptions { OccurredAt = Deliveries.Now, OrganizationId = organization, ExternalId = null, UserId = SampleIds.New("usr_") };
        var created = ScalekitSamples.Create("organization.created", options);
        created["data"]!["metadata"] = new JsonObject { ["salesforce_account_id"] = account };
        await DeliverAsync(created);

        // Salesforce → Scalekit: the timer finds the linked account and merges its fields into the organization.
        var metadataWrite = await Poll.UntilAsync(() => Task.FromResult(ScalekitWrites().FirstOrDefault(w => w.RequestMessage.Path == $"/api/v1/organizations/{organization}")), "the scheduled CRM sync writes the organization's metadata");
        Assert.Equal("Banking", BodyOf(metadataWrite)["metadata"]!["industry"]!.GetValue<string>());

        // Scalekit → Salesforce: a login goes through crm-account-push to the account.
        await DeliverAsync(ScalekitSamples.Create("user.login", options with { OccurredAt = Deliveries.Now.AddSeconds(2) }));
        var patch = await Poll.UntilAsync(() => Task.FromResult(Salesforce.LogEntries.FirstOrDefault(e => e.RequestMessage.Method == "PATCH" && e.RequestMessage.Path == accountPath && e.RequestMessage.Body!.Contains("Last_Login_Date__c", StringComparison.Ordinal))), "the login reaches the account");
        Assert.Equal("\"v1\"", patch.RequestMessage.Headers!["If-Match"].Single());

        var health = await CrmHealthAsync();
        Assert.Equal("live", health["mode"]!.GetValue<string>());
        Assert.NotNull(health["last_run_at"]);
        Assert.NotNull(health["average_duration_ms"]);
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(global::Scalekit.Webhooks.Cli.CliApp.Success, await global::Scalekit.Webhooks.Cli.CliApp.RunAsync(["stats", "--window", "1h", "--url", Host.BaseAddress.ToString(), "--key", Host.OpsKey], output, error));
        Assert.Matches(@"crm sync: \w+ \(live\), \d+ succeeded, \d+ failed, last success \S+, average \S+ ms, API usage 1\.2 %", output.ToString());
    }

    private async Task DeliverAsync(JsonObject body)
    {
        var text = body.ToJsonString();
        using var response = await Host.Client.PostAsync("scalekit", text, Deliveries.SignScalekit(text, Host.ScalekitSecret, TimeProvider.System.GetUtcNow()));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}

/// <summary>Without the Salesforce settings the CRM sync is off, and says so; a broken configuration stops start-up.</summary>
public sealed class CrmOffTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    [Fact]
    public async Task WithoutSalesforceSettings_TheRunIsOff_NothingIsQueued_AndStatsSaysWhy()
    {
        var services = host.Host.Services;
        var result = await services.GetRequiredService<CrmScheduledSync>().RunOnceAsync();
        Assert.Equal(CrmRunResult.Off, result.Outcome);
        Assert.Contains("SALESFORCE_INSTANCE_URL", result.Detail, StringComparison.Ordinal);

        var organization = SampleIds.New("org_");
        await services.GetRequiredService<AccountLinks>().LinkAsync(organization, "001A000001abcDE");
        var login = ScalekitSamples.Create("user.login", new SampleOptions { OccurredAt = Deliveries.Now, OrganizationId = organization });
        await services.GetRequiredService<CrmEventHook>().AfterAppliedAsync(System.Text.Json.JsonDocument.Parse(login.ToJsonString()).RootElement, "evt_1", Deliveries.Now);
        Assert.Empty(await host.PeekAllAsync(StorageNames.CrmPushQueue));

        using var stats = await host.OpsAsync(HttpMethod.Get, "/api/ops/stats?window=1h");
        var crm = JsonNode.Parse(await stats.Content.ReadAsStringAsync())!["integrations"]!.AsArray().Single(i => i!["name"]!.GetValue<string>() == "crm")!;
        Assert.Equal("off", crm["mode"]!.GetValue<string>());
        Assert.Contains("SALESFORCE_CLIENT_SECRET are not set", crm["last_error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CRM_ACCOUNT_PUSH_FIELDS", """{"active_users": "NumberOfEmployees"}""", "The Salesforce field 'NumberOfEmployees' is read by CRM_ACCOUNT_FIELDS and written by CRM_ACCOUNT_PUSH_FIELDS")]
    [InlineData("CRM_SYNC_SCHEDULE", "every 15 minutes", "CRM_SYNC_SCHEDULE must be a six-field cron expression")]
    public async Task BrokenCrmConfiguration_TurnsOnlyTheCrmSyncOff_NamingTheSettings(string setting, string value, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            [IngestOptions.ScalekitSecretSetting] = WebhookSigner.NewScalekitSecret(),
            ["LOCAL_QUEUE_TRIGGERS_ENABLED"] = "false",
            ["LOCAL_TIMERS_ENABLED"] = "false",
            ["LOCAL_PRINT_BANNER"] = "false",
            ["LOCAL_SETTINGS_PATH"] = Path.Combine(Path.GetTempPath(), "skfn-no-local-settings.json"),
            [setting] = value,
        };
        await using var app = LocalHostApp.Build(["--urls", "http://127.0.0.1:0"], settings);

        app.Services.GetRequiredService<IStartupValidator>().Validate();

        var salesforce = app.Services.GetRequiredService<IOptions<SalesforceOptions>>().Value;
        Assert.False(salesforce.IsConfigured);
        Assert.Contains(expected, salesforce.Problem, StringComparison.Ordinal);
    }
}
