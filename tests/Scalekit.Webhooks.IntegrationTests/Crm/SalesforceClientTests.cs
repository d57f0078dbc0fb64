using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.Hosting;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Scalekit.Webhooks.IntegrationTests.Crm;

/// <summary>The Salesforce client against a WireMock stand-in that answers as the REST API does.</summary>
public sealed class SalesforceClientTests : IDisposable
{
    private const string Account = "/services/data/v68.0/sobjects/Account/001000000000001AAA";
    private const string QueryPath = "/services/data/v68.0/query";
    private readonly WireMockServer _salesforce = WireMockServer.Start();
    private readonly ServiceProvider _services;

    public SalesforceClientTests()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SALESFORCE_INSTANCE_URL"] = _salesforce.Url,
            ["SALESFORCE_CLIENT_ID"] = "3MVG9-client",
            ["SALESFORCE_CLIENT_SECRET"] = "client-secret",
            ["SALESFORCE_RETRY_BASE_DELAY_MS"] = "5",
            // A fresh stand-in's first answer can take most of a second on a loaded machine; the hang below is far longer.
            ["SALESFORCE_ATTEMPT_TIMEOUT_MS"] = "2000",
        }).Build();
        _services = new ServiceCollection().AddLogging().AddScalekitWebhooks(configuration).BuildServiceProvider();
        GivenToken("token-1");
    }

    private SalesforceClient Client => _services.GetRequiredService<SalesforceClient>();

    private SalesforceSession Session => _services.GetRequiredService<SalesforceSession>();

    public void Dispose()
    {
        _services.Dispose();
        _salesforce.Stop();
        _salesforce.Dispose();
    }

    [Fact]
    public async Task Get_SendsTheTokenFromClientCredentials_AndReturnsFieldsWithTheETag()
    {
        _salesforce.Given(Request.Create().WithPath(Account).WithParam("fields", "Id,Industry").WithHeader("Authorization", "Bearer token-1").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("ETag", "\"abc123--gzip\"").WithHeader("Sforce-Limit-Info", "api-usage=10018/100000")
                .WithBodyAsJson(new { attributes = new { type = "Account" }, Id = "001000000000001AAA", Industry = "Banking" }));

        var record = await Client.GetAsync("Account", "001000000000001AAA", ["Id", "Industry"]);

        Assert.NotNull(record);
        Assert.Equal("Banking", record.Fields.GetProperty("Industry").GetString());
        Assert.Equal("\"abc123--gzip\"", record.ETag);
        Assert.Equal(new ApiUsage(10018, 100000), Client.LastUsage);
        var token = Assert.Single(_salesforce.LogEntries, e => e.RequestMessage.Path == "/services/oauth2/token");
        Assert.Contains("grant_type=client_credentials", token.RequestMessage.Body, StringComparison.Ordinal);
        Assert.Contains("client_id=3MVG9-client", token.RequestMessage.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_MissingRecord_IsNull()
    {
        _salesforce.Given(Request.Create().WithPath(Account).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(404).WithBodyAsJson(new[] { new { message = "The requested resource does not exist", errorCode = "NOT_FOUND" } }));

        Assert.Null(await Client.GetAsync("Account", "001000000000001AAA", ["Id"]));
    }

    [Fact]
    public async Task ExpiredSession_RenewsTheTokenOnce_AndRetries()
    {
        _salesforce.Reset();
        _salesforce.Given(Request.Create().WithPath("/services/oauth2/token").UsingPost()).InScenario("tokens").WillSetStateTo("first issued")
            .RespondWith(TokenAnswer("token-1"));
        _salesforce.Given(Request.Create().WithPath("/services/oauth2/token").UsingPost()).InScenario("tokens").WhenStateIs("first issued")
            .RespondWith(TokenAnswer("token-2"));
        _salesforce.Given(Request.Create().WithPath(Account).WithHeader("Authorization", "Bearer token-1").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(401).WithBodyAsJson(new[] { new { message = "Session expired or invalid", errorCode = "INVALID_SESSION_ID" } }));
        _salesforce.Given(Request.Create().WithPath(Account).WithHeader("Authorization", "Bearer token-2").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { Id = "001000000000001AAA" }));

        var record = await Client.GetAsync("Account", "001000000000001AAA", ["Id"]);

        Assert.NotNull(record);
        Assert.Equal(2, Session.TokensIssued);
        Assert.Equal(2, _salesforce.LogEntries.Count(e => e.RequestMessage.Path == Account));
    }

    [Fact]
    public async Task SessionStillRefusedAfterRenewal_Throws401()
    {
        _salesforce.Given(Request.Create().WithPath(Account).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(401).WithBodyAsJson(new[] { new { message = "Session expired or invalid", errorCode = "INVALID_SESSION_ID" } }));

        var error = await Assert.ThrowsAsync<SalesforceApiException>(() => Client.GetAsync("Account", "001000000000001AAA", ["Id"]));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Equal("INVALID_SESSION_ID", error.ErrorCode);
        Assert.Equal(2, _salesforce.LogEntries.Count(e => e.RequestMessage.Path == Account));
        Assert.Equal(2, Session.TokensIssued);
    }

    [Fact]
    public async Task Update_SendsOnlyTheFieldsWithIfMatch_And204IsSuccess()
    {
        _salesforce.Given(Request.Create().WithPath(Account).WithHeader("If-Match", "\"abc\"").UsingPatch())
            .RespondWith(Response.Create().WithStatusCode(204).WithHeader("Sforce-Limit-Info", "api-usage=12/15000"));

        await Client.UpdateAsync("Account", "001000000000001AAA", new Dictionary<string, object?> { ["Active_Users__c"] = 12 }, "\"abc\"");

        var patch = Assert.Single(_salesforce.LogEntries, e => e.RequestMessage.Method == "PATCH");
        Assert.Equal("{\"Active_Users__c\":12}", patch.RequestMessage.Body);
        Assert.Equal(new ApiUsage(12, 15000), Client.LastUsage);
    }

    [Fact]
    public async Task Update_ChangedSinceRead_IsAConflict()
    {
        _salesforce.Given(Request.Create().WithPath(Account).UsingPatch()).RespondWith(Response.Create().WithStatusCode(412));

        await Assert.ThrowsAsync<SalesforceConflictException>(() => Client.UpdateAsync("Account", "001000000000001AAA", new Dictionary<string, object?> { ["Type"] = "Enterprise" }, "\"old\""));
    }

    [Fact]
    public async Task Query_FollowsNextRecordsUrl_UntilDone()
    {
        const string soql = "SELECT Id FROM Account WHERE SystemModstamp > 2026-01-01T00:00:00Z ORDER BY SystemModstamp";
        _salesforce.Given(Request.Create().WithPath(QueryPath).WithParam("q", soql).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { totalSize = 3, done = false, nextRecordsUrl = "/services/data/v68.0/query/01gD0000002HU6KIAW-2000", records = new[] { new { Id = "001A" }, new { Id = "001B" } } }));
        _salesforce.Given(Request.Create().WithPath("/services/data/v68.0/query/01gD0000002HU6KIAW-2000").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { totalSize = 3, done = true, records = new[] { new { Id = "001C" } } }));

        var ids = new List<string>();
        await foreach (var record in Client.QueryAsync(soql))
        {
            ids.Add(record.GetProperty("Id").GetString()!);
        }

        Assert.Equal(["001A", "001B", "001C"], ids);
        var first = Assert.Single(_salesforce.LogEntries, e => e.RequestMessage.Path == QueryPath);
        Assert.Contains("2026-01-01T00%3A00%3A00Z", first.RequestMessage.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_NextPageOnAnotherHost_IsNotFollowed()
    {
        _salesforce.Given(Request.Create().WithPath(QueryPath).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { done = false, nextRecordsUrl = "https://elsewhere.example/steal", records = Array.Empty<object>() }));

        var error = await Assert.ThrowsAsync<SalesforceApiException>(async () => await Client.QueryAsync("SELECT Id FROM Account").ToListAsync());

        Assert.Equal(SalesforceApiException.MalformedAnswer, error.ErrorCode);
    }

    [Fact]
    public async Task RequestLimitExceeded_IsRecognisedAndNotTransient()
    {
        _salesforce.Given(Request.Create().WithPath(QueryPath).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(403).WithHeader("Sforce-Limit-Info", "api-usage=100001/100000")
                .WithBodyAsJson(new[] { new { message = "TotalRequests Limit exceeded.", errorCode = "REQUEST_LIMIT_EXCEEDED" } }));

        var error = await Assert.ThrowsAsync<SalesforceApiException>(async () => await Client.QueryAsync("SELECT Id FROM Account").ToListAsync());

        Assert.True(error.IsLimitExceeded);
        Assert.False(error.IsTransient);
        Assert.True(Client.LastUsage!.Percent > 100);
        Assert.Single(_salesforce.LogEntries, e => e.RequestMessage.Path == QueryPath);
    }

    [Fact]
    public async Task ServerErrors_AreRetried_ThenSucceed()
    {
        _salesforce.Given(Request.Create().WithPath(Account).UsingGet()).InScenario("flaky").WillSetStateTo("one")
            .RespondWith(Response.Create().WithStatusCode(503));
        _salesforce.Given(Request.Create().WithPath(Account).UsingGet()).InScenario("flaky").WhenStateIs("one").WillSetStateTo("two")
            .RespondWith(Response.Create().WithStatusCode(500).WithBodyAsJson(new[] { new { message = "oops", errorCode = "UNKNOWN_EXCEPTION" } }));
        _salesforce.Given(Request.Create().WithPath(Account).UsingGet()).InScenario("flaky").WhenStateIs("two")
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { Id = "001000000000001AAA" }));

        var record = await Client.GetAsync("Account", "001000000000001AAA", ["Id"]);

        Assert.NotNull(record);
        Assert.Equal(3, _salesforce.LogEntries.Count(e => e.RequestMessage.Path == Account));
    }

    [Fact]
    public async Task ServerErrorsThatPersist_AreTransientFailures()
    {
        _salesforce.Given(Request.Create().WithPath(Account).UsingGet()).RespondWith(Response.Create().WithStatusCode(500));

        var error = await Assert.ThrowsAsync<SalesforceApiException>(() => Client.GetAsync("Account", "001000000000001AAA", ["Id"]));

        Assert.True(error.IsTransient);
        Assert.Equal(4, _salesforce.LogEntries.Count(e => e.RequestMessage.Path == Account));
    }

    [Fact]
    public async Task HangingAnswer_TimesOutPerAttempt()
    {
        _salesforce.Given(Request.Create().WithPath(Account).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithDelay(TimeSpan.FromSeconds(10)).WithBodyAsJson(new { Id = "x" }));

        // Each attempt gives up after SALESFORCE_ATTEMPT_TIMEOUT_MS; after the retries the timeout surfaces as transient.
        await Assert.ThrowsAsync<Polly.Timeout.TimeoutRejectedException>(() => Client.GetAsync("Account", "001000000000001AAA", ["Id"]));
    }

    [Fact]
    public async Task BadRequest_CarriesSalesforcesErrorCode_AndIsNotTransient()
    {
        _salesforce.Given(Request.Create().WithPath(Account).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(400).WithBodyAsJson(new[] { new { message = "No such column 'Bogus__c' on entity 'Account'", errorCode = "INVALID_FIELD", fields = Array.Empty<string>() } }));

        var error = await Assert.ThrowsAsync<SalesforceApiException>(() => Client.GetAsync("Account", "001000000000001AAA", ["Bogus__c"]));

        Assert.Equal("INVALID_FIELD", error.ErrorCode);
        Assert.Contains("Bogus__c", error.ApiMessage, StringComparison.Ordinal);
        Assert.False(error.IsTransient);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"access_token\":\"t\"}")]
    [InlineData("{\"access_token\":\"t\",\"instance_url\":\"not a url\"}")]
    public async Task MalformedTokenAnswer_IsAMalformedAnswerError(string body)
    {
        _salesforce.Reset();
        _salesforce.Given(Request.Create().WithPath("/services/oauth2/token").UsingPost()).RespondWith(Response.Create().WithStatusCode(200).WithBody(body));

        var error = await Assert.ThrowsAsync<SalesforceApiException>(() => Client.GetAsync("Account", "001000000000001AAA", ["Id"]));

        Assert.Equal(SalesforceApiException.MalformedAnswer, error.ErrorCode);
        Assert.DoesNotContain("client-secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusedClientCredentials_SayWhy_WithoutTheSecret()
    {
        _salesforce.Reset();
        _salesforce.Given(Request.Create().WithPath("/services/oauth2/token").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(400).WithBodyAsJson(new { error = "invalid_client", error_description = "invalid client credentials" }));

        var error = await Assert.ThrowsAsync<SalesforceApiException>(() => Client.GetAsync("Account", "001000000000001AAA", ["Id"]));

        Assert.Equal("invalid_client", error.ErrorCode);
        Assert.False(error.IsTransient);
        Assert.DoesNotContain("client-secret", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("host")]
    [InlineData("scheme")]
    [InlineData("port")]
    public async Task TokenWhoseInstanceUrlIsOnAnotherHost_IsRefused_AndNothingIsSentThere(string differs)
    {
        var configured = new Uri(_salesforce.Url!);
        var elsewhere = differs switch
        {
            "host" => new UriBuilder(configured) { Host = "evil.example" },
            "scheme" => new UriBuilder(configured) { Scheme = "https" },
            _ => new UriBuilder(configured) { Port = configured.Port == 1 ? 2 : 1 },
        };
        _salesforce.ResetMappings();
        _salesforce.Given(Request.Create().WithPath("/services/oauth2/token").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { access_token = "stolen", instance_url = elsewhere.Uri.ToString(), token_type = "Bearer" }));

        var error = await Assert.ThrowsAsync<SalesforceApiException>(() => Client.GetAsync("Account", "001000000000001AAA", ["Id"]));

        Assert.Equal(SalesforceClient.InstanceUrlMismatch, error.ErrorCode);
        Assert.Contains("SALESFORCE_INSTANCE_URL", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_salesforce.LogEntries, e => e.RequestMessage.Path.StartsWith("/services/data", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("")]
    public async Task RecordIdThatWouldLeaveTheRecordPath_IsRefused_BeforeAnythingIsSent(string id)
    {
        var error = await Assert.ThrowsAsync<SalesforceApiException>(() => Client.UpdateAsync("Account", id, new Dictionary<string, object?> { ["Industry"] = "x" }, null));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.False(error.IsTransient);
        Assert.Empty(_salesforce.LogEntries);
    }

    [Fact]
    public async Task MalformedRecordAnswer_IsAMalformedAnswerError()
    {
        _salesforce.Given(Request.Create().WithPath(Account).UsingGet()).RespondWith(Response.Create().WithStatusCode(200).WithBody("<html>maintenance</html>"));

        var error = await Assert.ThrowsAsync<SalesforceApiException>(() => Client.GetAsync("Account", "001000000000001AAA", ["Id"]));

        Assert.True(error.IsTransient);
    }

    private void GivenToken(string token) =>
        _salesforce.Given(Request.Create().WithPath("/services/oauth2/token").UsingPost()).RespondWith(TokenAnswer(token));

    private IResponseBuilder TokenAnswer(string token) =>
        Response.Create().WithStatusCode(200).WithBodyAsJson(new
            {
                access_token = token,
                instance_url = _salesforce.Url,
                id = "https://login.salesforce.com/id/00D/005",
                token_type = "Bearer",
                issued_at = "1764115200000",
                signature = "sig",
            });
}

public class SalesforceOptionsTests
{
    [Theory]
    [InlineData("https://acme.my.salesforce.com", "id", null, "SALESFORCE_CLIENT_SECRET is not set")]
    [InlineData(null, "id", "secret", "SALESFORCE_INSTANCE_URL is not set")]
    [InlineData("acme.my.salesforce.com", "id", "secret", "SALESFORCE_INSTANCE_URL is not an absolute https URL")]
    [InlineData("http://acme.my.salesforce.com", "id", "secret", "SALESFORCE_INSTANCE_URL is not an absolute https URL (http only to a loopback host)")]
    [InlineData("http://10.0.0.5:8080", "id", "secret", "SALESFORCE_INSTANCE_URL is not an absolute https URL")]
    [InlineData("https://acme.my.salesforce.com", "id", "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/sf/)", "SALESFORCE_CLIENT_SECRET holds a Key Vault reference")]
    public void PartialOrBrokenConnection_SwitchesTheSyncOffWithTheReason(string? url, string? id, string? secret, string expected)
    {
        var options = Bind(new() { ["SALESFORCE_INSTANCE_URL"] = url, ["SALESFORCE_CLIENT_ID"] = id, ["SALESFORCE_CLIENT_SECRET"] = secret });

        Assert.False(options.IsConfigured);
        Assert.Contains(expected, options.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://acme.my.salesforce.com")]
    [InlineData("http://localhost:8080")]
    [InlineData("http://127.0.0.1:9000/")]
    [InlineData("http://[::1]:9000")]
    public void InstanceUrl_HttpsOrLoopbackHttp_IsAccepted(string url) =>
        Assert.True(Bind(new() { ["SALESFORCE_INSTANCE_URL"] = url, ["SALESFORCE_CLIENT_ID"] = "id", ["SALESFORCE_CLIENT_SECRET"] = "secret" }).IsConfigured);

    [Fact]
    public void OnlyAnUnresolvedSecretReference_IsOffWithoutAProblem()
    {
        // What Azure gives an app whose Salesforce secret was never stored in the vault.
        var options = Bind(new() { ["SALESFORCE_CLIENT_SECRET"] = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/salesforce-client-secret)" });

        Assert.False(options.IsConfigured);
        Assert.Null(options.Problem);
    }

    [Fact]
    public void NoConnectionSettings_IsOffWithoutAProblem()
    {
        var options = Bind([]);

        Assert.False(options.IsConfigured);
        Assert.Null(options.Problem);
        Assert.Equal("v68.0", options.ApiVersion);
        Assert.Equal(80, options.UsageCeilingPercent);
    }

    [Theory]
    [InlineData("SALESFORCE_API_VERSION", "68", "SALESFORCE_API_VERSION must look like v68.0")]
    [InlineData("CRM_API_USAGE_CEILING", "120", "CRM_API_USAGE_CEILING must be a whole number from 1 to 100")]
    public void NonsenseValues_FailNamingTheSetting(string setting, string value, string expected)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(new() { [setting] = value }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api-usage=10018/100000", 10018L, 100000L)]
    [InlineData("per-app-api-usage=17/250(appName=sample), api-usage=25/5000", 25L, 5000L)]
    public void ApiUsageHeader_IsRead(string header, long used, long allocated) =>
        Assert.Equal(new ApiUsage(used, allocated), ApiUsage.Parse(header));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("api-usage=lots")]
    [InlineData("api-usage=1/")]
    public void ApiUsageHeader_Unreadable_IsNull(string? header) => Assert.Null(ApiUsage.Parse(header));

    private static SalesforceOptions Bind(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var provider = new ServiceCollection().AddLogging().AddScalekitWebhooks(configuration).BuildServiceProvider();
        return provider.GetRequiredService<IOptions<SalesforceOptions>>().Value;
    }
}
