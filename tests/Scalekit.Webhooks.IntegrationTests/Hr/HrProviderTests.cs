using System.Net;
using System.Text;
using Scalekit.Webhooks.Cli;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Hr.Providers.BambooHr;
using Scalekit.Webhooks.Hr.Providers.HiBob;
using Scalekit.Webhooks.Hr.Providers.Merge;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Storage;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Scalekit.Webhooks.IntegrationTests.Hr;

/// <summary>A host with a BambooHR, a HiBob and a Merge connection, whose HR APIs are a WireMock stand-in.</summary>
public sealed class HrProviderFixture : HrStandInFixture
{
    public const string Bamboo = "bamboo";
    public const string BambooCompany = "12345";
    public const string BambooKey = "bamboo-private-key";
    public const string BambooApiKey = "bamboo-api-key-7f3a";
    public const string Bob = "bob";
    public const string BobCompany = "637323";
    public const string BobSecret = "bob-webhook-secret";
    public const string BobServiceUser = "SERVICE-42";
    public const string BobToken = "bob-service-token-9c1d";
    public const string MergeConnection = "unified";
    public const string MergeOrigin = "acme-origin";
    public const string MergeOrganization = "org_hr_merge";
    public const string MergeKey = "merge-signature-key";

    public WireMockServer HrApis { get; } = WireMockServer.Start();

    protected override IReadOnlyDictionary<string, string?> HrSettings => new Dictionary<string, string?>
    {
        [$"HR_CONNECTIONS:{Bamboo}:ORGANIZATION_ID"] = HrOrganization,
        [$"HR_CONNECTIONS:{Bamboo}:PROVIDER"] = "bamboohr",
        [$"HR_CONNECTIONS:{Bamboo}:COMPANY_DOMAIN"] = "acme",
        [$"HR_CONNECTIONS:{Bamboo}:COMPANY_ID"] = BambooCompany,
        [$"HR_CONNECTIONS:{Bamboo}:API_KEY"] = BambooApiKey,
        [$"HR_CONNECTIONS:{Bamboo}:SIGNING_SECRET"] = BambooKey,
        [$"HR_CONNECTIONS:{Bob}:ORGANIZATION_ID"] = OtherHrOrganization,
        [$"HR_CONNECTIONS:{Bob}:PROVIDER"] = "hibob",
        [$"HR_CONNECTIONS:{Bob}:COMPANY_ID"] = BobCompany,
        [$"HR_CONNECTIONS:{Bob}:SERVICE_USER_ID"] = BobServiceUser,
        [$"HR_CONNECTIONS:{Bob}:API_KEY"] = BobToken,
        [$"HR_CONNECTIONS:{Bob}:SIGNING_SECRET"] = BobSecret,
        [$"HR_CONNECTIONS:{MergeConnection}:ORGANIZATION_ID"] = MergeOrganization,
        [$"HR_CONNECTIONS:{MergeConnection}:PROVIDER"] = "merge",
        [$"HR_CONNECTIONS:{MergeConnection}:END_USER_ORIGIN_ID"] = MergeOrigin,
        ["MERGE_WEBHOOK_SIGNATURE_KEY"] = MergeKey,
        ["BAMBOOHR_API_BASE_URL"] = HrApis.Url + "/api/gateway.php",
        ["HIBOB_API_BASE_URL"] = HrApis.Url,
        ["HR_API_MAX_RETRIES"] = "1",
        ["HR_API_RETRY_BASE_DELAY_MS"] = "10",
        ["HR_API_ATTEMPT_TIMEOUT_MS"] = "2500",
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // WireMock's first answer in a process can outlast the short attempt timeout on a busy machine; warm it once.
        using var warm = new HttpClient();
        using var unused = await warm.GetAsync(new Uri(HrApis.Url + "/warm-up"));
    }

    public override async Task DisposeAsync()
    {
        HrApis.Stop();
        await base.DisposeAsync();
    }
}

public class HrProviderTests(HrProviderFixture host) : HrTestBase(host), IClassFixture<HrProviderFixture>
{
    private const string UserId = "usr_provider_1";

    private static string Queue => StorageNames.QueueFor(HrSource.Id);

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        host.HrApis.Reset();
    }

    [Fact]
    public async Task BambooHr_SignedEvent_Is201AndStoredAsSent_ThenCompletedFromTheApi_AndHired()
    {
        var employee = SampleIds.New("B-");
        var body = BambooHrSamples.Event(BambooHrPayload.Created, employee, HrProviderFixture.BambooCompany, Deliveries.Now);
        StubBambooEmployee(employee, BambooHrSamples.Employee(Sample(employee).ToHrSample("")).ToJsonString());
        StubLookup(employee, null, HrProviderFixture.Bamboo);
        StubWrites(LocalHostFixture.HrOrganization, UserId);

        using var response = await PostBambooAsync(body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var message = await TakeAsync(Queue);
        var envelope = EnvelopeCodec.Decode(message.ToMemory());
        Assert.StartsWith("bamboo:bamboohr-", envelope.EventId, StringComparison.Ordinal);
        Assert.Equal(body, Encoding.UTF8.GetString(envelope.InlinePayload.Span));
        await Consumer.HandleAsync(message);

        var fetch = Assert.Single(host.HrApis.LogEntries, entry => entry.RequestMessage.Path.Contains(employee, StringComparison.Ordinal));
        Assert.Equal($"/api/gateway.php/acme/v1/employees/{employee}", fetch.RequestMessage.Path);
        Assert.Contains("fields=workEmail,", fetch.RequestMessage.Url, StringComparison.Ordinal);
        Assert.Equal("application/json", fetch.RequestMessage.Headers!["Accept"].Single());
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(HrProviderFixture.BambooApiKey + ":x")), fetch.RequestMessage.Headers["Authorization"].Single());
        var created = BodyOf(Assert.Single(Requests("POST", $"/api/v1/organizations/{LocalHostFixture.HrOrganization}/users")));
        Assert.Equal(ExternalId(employee, HrProviderFixture.Bamboo), created["external_id"]!.GetValue<string>());
        Assert.Equal("ada@acme.example", created["email"]!.GetValue<string>());
        Assert.Equal(ProcessingStatus.Processed, (await LedgerRowAsync(message)).Status);
        Assert.DoesNotContain(host.Logs.Entries, entry => entry.Message.Contains(HrProviderFixture.BambooApiKey, StringComparison.Ordinal) || entry.Message.Contains("ada@acme.example", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BambooHr_WrongKey401_WrongCompany400_UnknownConnection404_AndNothingIsQueued()
    {
        var body = BambooHrSamples.Event(BambooHrPayload.Updated, "1", HrProviderFixture.BambooCompany, Deliveries.Now);
        using var wrongKey = await host.Client.PostAsync($"hr/{HrProviderFixture.Bamboo}", body, BambooSign(body, "another-key"));
        var other = BambooHrSamples.Event(BambooHrPayload.Updated, "1", "99999", Deliveries.Now);
        using var wrongCompany = await PostBambooAsync(other);
        using var unknown = await host.Client.PostAsync("hr/nobody", body, BambooSign(body, HrProviderFixture.BambooKey));

        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, wrongCompany.StatusCode);
        Assert.Contains("data.companyId", (await wrongCompany.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Empty(await host.PeekAllAsync(Queue));
    }

    [Fact]
    public async Task BambooHr_FieldBasedPayloadWithThreeEmployees_IsThreeEvents_EachOrderedByItsEmployee()
    {
        var body = BambooHrSamples.FieldBased(Deliveries.Now, ("F-1", "Created"), ("F-2", "Updated"), ("F-3", "Deleted"));

        using var response = await PostBambooAsync(body);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var envelopes = (await host.PeekAllAsync(Queue)).Select(m => EnvelopeCodec.Decode(m.Body.ToMemory())).ToList();
        Assert.Equal(["bamboo:F-1", "bamboo:F-2", "bamboo:F-3"], envelopes.Select(e => e.ShardKey));
        Assert.Equal(["employee.created", "employee.updated", "employee.deleted"], envelopes.Select(e => e.EventType));
        Assert.All(envelopes, e => Assert.StartsWith("{\"employees\":[{\"id\":\"F-", Encoding.UTF8.GetString(e.InlinePayload.Span), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(429, "429")]
    [InlineData(503, "503")]
    [InlineData(500, "500")]
    [InlineData(0, "did not answer")]
    public async Task BambooHr_ApiThrottledFailingOrSlow_IsThrownForTheQueueToRetry_AndNothingIsWritten(int status, string expected)
    {
        var employee = SampleIds.New("B-");
        var answer = status == 0
            ? Response.Create().WithStatusCode(200).WithDelay(TimeSpan.FromSeconds(6)).WithBody("{}")
            : Response.Create().WithStatusCode(status).WithHeader("Retry-After", "0").WithBody("busy");
        host.HrApis.Given(Request.Create().WithPath($"/api/gateway.php/acme/v1/employees/{employee}").UsingGet()).RespondWith(answer);

        using var response = await PostBambooAsync(BambooHrSamples.Event(BambooHrPayload.Updated, employee, HrProviderFixture.BambooCompany, Deliveries.Now));
        var message = await TakeAsync(Queue);
        await Assert.ThrowsAnyAsync<Exception>(() => Consumer.HandleAsync(message));

        if (status != 0)
        {
            // One try and one retry (HR_API_MAX_RETRIES=1); WireMock logs a slow answer only once it is sent.
            Assert.Equal(2, host.HrApis.LogEntries.Count(entry => entry.RequestMessage.Path.Contains(employee, StringComparison.Ordinal)));
        }

        var row = await LedgerRowAsync(message);
        Assert.Equal(ProcessingStatus.Failed, row.Status);
        Assert.Contains(expected, row.LastError, StringComparison.Ordinal);
        Assert.Empty(Writes());
    }

    [Fact]
    public async Task BambooHr_Api403_ParksTheEventWithThePermissionReason()
    {
        var employee = SampleIds.New("B-");
        host.HrApis.Given(Request.Create().WithPath($"/api/gateway.php/acme/v1/employees/{employee}").UsingGet()).RespondWith(Response.Create().WithStatusCode(403));

        using var response = await PostBambooAsync(BambooHrSamples.Event(BambooHrPayload.Updated, employee, HrProviderFixture.BambooCompany, Deliveries.Now));
        var message = await TakeAsync(Queue);
        await Consumer.HandleAsync(message);

        var row = await LedgerRowAsync(message);
        Assert.Equal(ProcessingStatus.Parked, row.Status);
        Assert.Contains("lacks permission", row.Detail, StringComparison.Ordinal);
        Assert.Single(host.HrApis.LogEntries, entry => entry.RequestMessage.Path.Contains(employee, StringComparison.Ordinal));
        Assert.Empty(Writes());
    }

    [Fact]
    public async Task BambooHr_Api404_IsTheEmployeeGone_AndTerminatesTheUser()
    {
        var employee = SampleIds.New("B-");
        host.HrApis.Given(Request.Create().WithPath($"/api/gateway.php/acme/v1/employees/{employee}").UsingGet()).RespondWith(Response.Create().WithStatusCode(404));
        StubLookup(employee, User(UserId, ExternalId(employee, HrProviderFixture.Bamboo), "ada@acme.example", null, (LocalHostFixture.HrOrganization, ["member"])), HrProviderFixture.Bamboo);
        StubWrites(LocalHostFixture.HrOrganization, UserId);

        using var response = await PostBambooAsync(BambooHrSamples.Event(BambooHrPayload.Updated, employee, HrProviderFixture.BambooCompany, Deliveries.Now));
        await Consumer.HandleAsync(await TakeAsync(Queue));

        Assert.Single(Requests("DELETE", $"/api/v1/memberships/organizations/{LocalHostFixture.HrOrganization}/users/{UserId}"));
    }

    [Theory]
    [InlineData("Ping test")]
    [InlineData("""{"text":"Ping test"}""")]
    public async Task HiBob_PingTest_Is200_AndNeverQueued(string body)
    {
        using var response = await host.Client.PostAsync($"hr/{HrProviderFixture.Bob}", body, [HiBobSamples.Sign(Encoding.UTF8.GetBytes(body), HrProviderFixture.BobSecret)]);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await host.PeekAllAsync(Queue));
    }

    [Fact]
    public async Task HiBob_UnsignedPing_Is200_ButAnUnsignedEventIs400()
    {
        using var ping = await host.Client.PostAsync($"hr/{HrProviderFixture.Bob}", "Ping test", []);
        using var unsigned = await host.Client.PostAsync($"hr/{HrProviderFixture.Bob}", HiBobSamples.Event("employee.updated", "1", HrProviderFixture.BobCompany, Deliveries.Now), []);

        Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unsigned.StatusCode);
        Assert.Empty(await host.PeekAllAsync(Queue));
    }

    [Fact]
    public async Task HiBob_JoinedEvent_IsCompletedAsTheServiceUser_AndHiresIntoItsOrganization()
    {
        var employee = SampleIds.New("H-");
        host.HrApis.Given(Request.Create().WithPath($"/v1/people/{employee}").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(HiBobSamples.Employee((Sample(employee) with { Department = "Sales" }).ToHrSample("")).ToJsonString()));
        StubLookup(employee, null, HrProviderFixture.Bob);
        StubWrites(LocalHostFixture.OtherHrOrganization, UserId);
        var body = HiBobSamples.Event("employee.joined", employee, HrProviderFixture.BobCompany, Deliveries.Now);

        using var response = await host.Client.PostAsync($"hr/{HrProviderFixture.Bob}", body, [HiBobSamples.Sign(Encoding.UTF8.GetBytes(body), HrProviderFixture.BobSecret)]);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        await Consumer.HandleAsync(await TakeAsync(Queue));

        var fetch = Assert.Single(host.HrApis.LogEntries, entry => entry.RequestMessage.Path.Contains(employee, StringComparison.Ordinal));
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{HrProviderFixture.BobServiceUser}:{HrProviderFixture.BobToken}")), fetch.RequestMessage.Headers!["Authorization"].Single());
        Assert.Contains("root.email", fetch.RequestMessage.Body, StringComparison.Ordinal);
        var created = BodyOf(Assert.Single(Requests("POST", $"/api/v1/organizations/{LocalHostFixture.OtherHrOrganization}/users")));
        Assert.Equal(ExternalId(employee, HrProviderFixture.Bob), created["external_id"]!.GetValue<string>());
        Assert.Equal(["member", "sales"], created["membership"]!["roles"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task HiBob_WrongSecret401_AndAnotherCompany400()
    {
        var body = HiBobSamples.Event("employee.updated", "1", HrProviderFixture.BobCompany, Deliveries.Now);
        var other = HiBobSamples.Event("employee.updated", "1", "1", Deliveries.Now);

        using var wrongKey = await host.Client.PostAsync($"hr/{HrProviderFixture.Bob}", body, [HiBobSamples.Sign(Encoding.UTF8.GetBytes(body), "another-secret")]);
        using var wrongCompany = await host.Client.PostAsync($"hr/{HrProviderFixture.Bob}", other, [HiBobSamples.Sign(Encoding.UTF8.GetBytes(other), HrProviderFixture.BobSecret)]);

        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, wrongCompany.StatusCode);
        Assert.Empty(await host.PeekAllAsync(Queue));
    }

    [Fact]
    public async Task Merge_OnTheSharedRoute_FindsTheConnectionByOrigin_AndHiresWithTheDepartmentGroup()
    {
        var employee = SampleIds.New("M-");
        StubLookup(employee, null, HrProviderFixture.MergeConnection);
        StubWrites(HrProviderFixture.MergeOrganization, UserId);
        var body = MergeSamples.Event("Employee.added", HrProviderFixture.MergeOrigin, Sample(employee).ToHrSample("Employee.added"));

        using var response = await PostMergeAsync(body, HrProviderFixture.MergeKey);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var message = await TakeAsync(Queue);
        Assert.StartsWith($"{HrProviderFixture.MergeConnection}:merge-", EnvelopeCodec.Decode(message.ToMemory()).EventId, StringComparison.Ordinal);
        await Consumer.HandleAsync(message);

        var created = BodyOf(Assert.Single(Requests("POST", $"/api/v1/organizations/{HrProviderFixture.MergeOrganization}/users")));
        Assert.Equal(ExternalId(employee, HrProviderFixture.MergeConnection), created["external_id"]!.GetValue<string>());
        Assert.Equal("Engineering", created["metadata"]!["department"]!.GetValue<string>());
        Assert.DoesNotContain(host.HrApis.LogEntries, entry => entry.RequestMessage.Path.Contains(employee, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Merge_RemoteWasDeleted_TerminatesTheUser()
    {
        var employee = SampleIds.New("M-");
        StubLookup(employee, User(UserId, ExternalId(employee, HrProviderFixture.MergeConnection), "ada@acme.example", null, (HrProviderFixture.MergeOrganization, ["member"])), HrProviderFixture.MergeConnection);
        StubWrites(HrProviderFixture.MergeOrganization, UserId);

        using var response = await PostMergeAsync(MergeSamples.Event("Employee.changed", HrProviderFixture.MergeOrigin, Sample(employee).ToHrSample("Employee.changed"), new MergeEmployeeState(RemoteWasDeleted: true)), HrProviderFixture.MergeKey);
        await Consumer.HandleAsync(await TakeAsync(Queue));

        Assert.Single(Requests("DELETE", $"/api/v1/memberships/organizations/{HrProviderFixture.MergeOrganization}/users/{UserId}"));
    }

    [Fact]
    public async Task Merge_UnknownOrigin404_WrongKey401_NullOrigin400()
    {
        var unknown = MergeSamples.Event("Employee.changed", "nobody", (Sample("1")).ToHrSample("Employee.changed"));
        var none = MergeSamples.Event("Employee.changed", null, (Sample("1")).ToHrSample("Employee.changed"));

        using var unknownOrigin = await PostMergeAsync(unknown, HrProviderFixture.MergeKey);
        using var wrongKey = await PostMergeAsync(unknown, "another-key");
        using var nullOrigin = await PostMergeAsync(none, HrProviderFixture.MergeKey);

        Assert.Equal(HttpStatusCode.NotFound, unknownOrigin.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, nullOrigin.StatusCode);
        Assert.Empty(await host.PeekAllAsync(Queue));
    }

    [Theory]
    [InlineData("bamboohr", HrProviderFixture.Bamboo, "employee.updated", HrProviderFixture.BambooCompany, HrProviderFixture.BambooKey, HttpStatusCode.Created)]
    [InlineData("hibob", HrProviderFixture.Bob, "employee.left", HrProviderFixture.BobCompany, HrProviderFixture.BobSecret, HttpStatusCode.Created)]
    [InlineData("hibob", HrProviderFixture.Bob, HiBobSamples.Ping, HrProviderFixture.BobCompany, HrProviderFixture.BobSecret, HttpStatusCode.OK)]
    [InlineData("merge", HrProviderFixture.MergeConnection, "Employee.changed", null, HrProviderFixture.MergeKey, HttpStatusCode.Created)]
    public async Task CliSender_ShapesAndSignsLikeTheConnectionsProvider_AndTheHostTakesIt(string provider, string connection, string type, string? company, string key, HttpStatusCode expected)
    {
        using var client = new HttpClient();
        var sender = new SampleSender(client, TimeProvider.System);
        var fields = new Dictionary<string, string> { ["end_user_origin_id"] = HrProviderFixture.MergeOrigin };
        if (company is not null)
        {
            fields["company_id"] = company;
        }

        var target = new HrConnection(connection, "org_1", provider, [], null) { Fields = fields };

        var result = await sender.SendHrAsync(target, type, Sample(SampleIds.New("C-")), key, host.BaseAddress);

        Assert.Equal(expected, result.StatusCode);
        Assert.Equal(expected == HttpStatusCode.Created ? 1 : 0, (await host.PeekAllAsync(Queue)).Count);
    }

    private static SampleOptions Sample(string employee) => new() { OccurredAt = Deliveries.Now, EmployeeId = employee };

    private void StubBambooEmployee(string employee, string json) =>
        host.HrApis.Given(Request.Create().WithPath($"/api/gateway.php/acme/v1/employees/{employee}").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(json));

    private static IEnumerable<KeyValuePair<string, string>> BambooSign(string body, string key) =>
        BambooHrSamples.Sign(Encoding.UTF8.GetBytes(body), key, TimeProvider.System.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));

    private Task<HttpResponseMessage> PostBambooAsync(string body) =>
        host.Client.PostAsync($"hr/{HrProviderFixture.Bamboo}", body, BambooSign(body, HrProviderFixture.BambooKey));

    private Task<HttpResponseMessage> PostMergeAsync(string body, string key) =>
        host.Client.PostAsync($"hr/{MergeProvider.Route}", body, [MergeSamples.Sign(Encoding.UTF8.GetBytes(body), key)]);
}
