using System.Net;
using System.Text.Json.Nodes;
using ETag = Azure.ETag;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Storage;
using WireMock.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Scalekit.Webhooks.IntegrationTests.Crm;

/// <summary>A host (queue triggers and timers off) whose Salesforce and Scalekit APIs are WireMock stand-ins.</summary>
public class CrmStandInFixture : LocalHostFixture
{
    public WireMockServer Salesforce { get; } = WireMockServer.Start();

    public WireMockServer Scalekit { get; } = WireMockServer.Start();

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["SCALEKIT_ENVIRONMENT_URL"] = Scalekit.Url,
        ["SCALEKIT_CLIENT_ID"] = "skc_test_client",
        ["SCALEKIT_CLIENT_SECRET"] = "test-client-secret",
        ["SCALEKIT_RETRY_BASE_DELAY_MS"] = "5",
        ["SCALEKIT_MAX_RETRIES"] = "1",
        ["SALESFORCE_INSTANCE_URL"] = Salesforce.Url,
        ["SALESFORCE_CLIENT_ID"] = "3MVG9-client",
        ["SALESFORCE_CLIENT_SECRET"] = "salesforce-secret",
        ["SALESFORCE_RETRY_BASE_DELAY_MS"] = "5",
        ["SALESFORCE_ATTEMPT_TIMEOUT_MS"] = "2500",
        ["SALESFORCE_MAX_RETRIES"] = "2",
        ["CRM_ENTERPRISE_FEATURES"] = "sso",
        ["DEADLETTER_REPLAY_BASE_DELAY_SECONDS"] = "0",
    };
}

/// <summary>Stand-in answers and helpers shared by the CRM sync tests.</summary>
public abstract class CrmTestBase(CrmStandInFixture host) : IAsyncLifetime
{
    protected const string QueryPath = "/services/data/v68.0/query";

    /// <summary>WireMock tries lower priorities first; the default stubs yield to a test's own.</summary>
    protected const int Fallback = 100;

    protected CrmStandInFixture Host => host;

    protected WireMockServer Salesforce => host.Salesforce;

    protected WireMockServer Scalekit => host.Scalekit;

    protected T Service<T>() where T : notnull => host.Host.Services.GetRequiredService<T>();

    public virtual async Task InitializeAsync()
    {
        Salesforce.Reset();
        Scalekit.Reset();
        await host.ClearQueuesAsync();
        // Each test starts without a watermark or over-budget rows of earlier tests.
        var table = host.Clients.Tables.GetTableClient(StorageNames.CrmSyncTable);
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey ne {"activity"}"), select: ["PartitionKey", "RowKey"]))
        {
            await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All);
        }

        Salesforce.Given(Request.Create().WithPath("/services/oauth2/token").UsingPost()).AtPriority(Fallback)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { access_token = "sf-token", instance_url = Salesforce.Url, id = "https://login.salesforce.com/id/00D/005", token_type = "Bearer", issued_at = "1764115200000", signature = "sig" }));
        Scalekit.Given(Request.Create().WithPath("/oauth/token").UsingPost()).AtPriority(Fallback)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { access_token = "sk-token", token_type = "Bearer", expires_in = 86399 }));
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    /// <summary>A fresh 18-character account id (as Salesforce answers them).</summary>
    protected static string NewAccountId() => "001" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant() + "AAA";

    protected static string NewOrganizationId() => SampleIds.New("org_");

    protected static IResponseBuilder Json(object body, int status = 200, string usage = "api-usage=1200/100000") =>
        Response.Create().WithStatusCode(status).WithHeader("Sforce-Limit-Info", usage).WithBodyAsJson(body);

    /// <summary>The Scalekit organization with <paramref name="metadata"/>, for GET and as the PATCH answer.</summary>
    protected void StubOrganization(string organizationId, Dictionary<string, string> metadata, params (string Name, bool Enabled)[] features)
    {
        var organization = new
        {
            organization = new
            {
                id = organizationId,
                display_name = "Acme",
                external_id = (string?)null,
                metadata,
                settings = new { features = features.Select(f => new { name = f.Name, enabled = f.Enabled }).ToArray() },
            },
        };
        Scalekit.Given(Request.Create().WithPath($"/api/v1/organizations/{organizationId}").UsingGet()).AtPriority(Fallback).RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(organization));
        Scalekit.Given(Request.Create().WithPath($"/api/v1/organizations/{organizationId}").UsingPatch()).AtPriority(Fallback).RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(organization));
        Scalekit.Given(Request.Create().WithPath($"/api/v1/organizations/{organizationId}/settings").UsingPatch()).AtPriority(Fallback).RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(organization));
    }

    /// <summary>One query page of <paramref name="records"/>; not done when <paramref name="next"/> names the next page.</summary>
    protected static object Page(string? next, params object[] records) => next is null
        ? new { totalSize = records.Length, done = true, records }
        : new { totalSize = records.Length, done = false, nextRecordsUrl = next, records };

    protected static object Account(string id, string modstamp, string? industry = "Banking", string? type = "Customer - Direct", double? revenue = 950000, int? employees = 120, string owner = "Grace Hopper") => new
    {
        attributes = new { type = "Account", url = $"/services/data/v68.0/sobjects/Account/{id}" },
        Id = id,
        Type = type,
        SystemModstamp = modstamp,
        Industry = industry,
        AnnualRevenue = revenue,
        NumberOfEmployees = employees,
        Owner = new { attributes = new { type = "User" }, Name = owner },
    };

    /// <summary>Account queries answer <paramref name="pages"/>[0]; page n+1 is at <c>/query/01g-n</c>.</summary>
    protected void StubAccountQuery(params object[] pages) => StubQuery("FROM Account", pages);

    protected void StubContactQuery(params object[] pages) => StubQuery("FROM Contact", pages);

    protected void StubQuery(string from, object[] pages)
    {
        Salesforce.Given(Request.Create().WithPath(QueryPath).WithParam("q", new WireMock.Matchers.WildcardMatcher($"*{from}*")).UsingGet()).AtPriority(Fallback - 1)
            .RespondWith(Json(pages[0]));
        for (var i = 1; i < pages.Length; i++)
        {
            Salesforce.Given(Request.Create().WithPath($"{QueryPath}/01g{from.Replace(" ", string.Empty, StringComparison.Ordinal)}-{i}").UsingGet()).AtPriority(Fallback - 1).RespondWith(Json(pages[i]));
        }
    }

    protected static string NextPage(string from, int page) => $"{QueryPath}/01g{from.Replace(" ", string.Empty, StringComparison.Ordinal)}-{page}";

    /// <summary>Both kinds of query answer an empty page unless a test stubs one.</summary>
    protected void StubEmptyQueries() =>
        Salesforce.Given(Request.Create().WithPath(QueryPath).UsingGet()).AtPriority(Fallback).RespondWith(Json(Page(null)));

    protected List<ILogEntry> ScalekitWrites() =>
        [.. Scalekit.LogEntries.Where(e => e.RequestMessage.Method is "PATCH" or "POST" && e.RequestMessage.Path != "/oauth/token").OrderBy(e => e.RequestMessage.DateTime)];

    protected List<ILogEntry> Queries() =>
        [.. Salesforce.LogEntries.Where(e => e.RequestMessage.Path == QueryPath).OrderBy(e => e.RequestMessage.DateTime)];

    protected static JsonObject BodyOf(ILogEntry entry) => JsonNode.Parse(entry.RequestMessage.Body!)!.AsObject();

    protected async Task<JsonObject> CrmHealthAsync()
    {
        using var stats = await host.OpsAsync(HttpMethod.Get, "/api/ops/stats?window=1h");
        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
        return JsonNode.Parse(await stats.Content.ReadAsStringAsync())!["integrations"]!.AsArray().Single(i => i!["name"]!.GetValue<string>() == "crm")!.AsObject();
    }
}
