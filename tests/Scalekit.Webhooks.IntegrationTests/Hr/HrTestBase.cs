using System.Net;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Storage;
using WireMock.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Scalekit.Webhooks.IntegrationTests.Hr;

/// <summary>A host (queue triggers off) whose Scalekit API is a WireMock stand-in, with department roles configured.</summary>
public class HrStandInFixture : LocalHostFixture
{
    public const string DepartmentRoles = """{"Engineering": ["member", "engineer"], "Sales": ["member", "sales"]}""";

    public WireMockServer Scalekit { get; } = WireMockServer.Start();

    protected virtual IReadOnlyDictionary<string, string?> HrSettings => new Dictionary<string, string?>();

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(HrSettings)
    {
        ["SCALEKIT_ENVIRONMENT_URL"] = Scalekit.Url,
        ["SCALEKIT_CLIENT_ID"] = "skc_test_client",
        ["SCALEKIT_CLIENT_SECRET"] = "test-client-secret",
        ["SCALEKIT_RETRY_BASE_DELAY_MS"] = "10",
        ["HR_DEPARTMENT_ROLES"] = DepartmentRoles,
    };
}

/// <summary>Stubs and helpers shared by the HR sync tests.</summary>
public abstract class HrTestBase(HrStandInFixture host) : IAsyncLifetime
{
    /// <summary>WireMock tries lower priorities first; the default stubs yield to a test's own.</summary>
    private const int Fallback = 100;

    protected HrStandInFixture Fixture => host;

    protected WireMockServer Api => host.Scalekit;

    protected EventConsumer Consumer => host.Host.Services.GetRequiredService<EventConsumer>();

    public virtual async Task InitializeAsync()
    {
        Api.Reset();
        await host.ClearQueuesAsync();
        Api.Given(Request.Create().WithPath("/oauth/token").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { access_token = "token-1", token_type = "Bearer", expires_in = 86399 }));
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    /// <summary>A new employee of the fixture's main HR connection, and that connection's organization.</summary>
    protected static (string Employee, string Organization) NewIds() => (SampleIds.New("E-"), LocalHostFixture.HrOrganization);

    /// <summary>The Scalekit external id of <paramref name="employee"/> of <paramref name="connection"/>.</summary>
    protected static string ExternalId(string employee, string connection = LocalHostFixture.HrConnection) => HrExternalId.For(connection, employee);

    protected List<ILogEntry> Requests(string method, string path) =>
        [.. Api.LogEntries.Where(e => e.RequestMessage.Method == method && e.RequestMessage.Path == path).OrderBy(e => e.RequestMessage.DateTime)];

    protected List<ILogEntry> Writes() =>
        [.. Api.LogEntries.Where(e => e.RequestMessage.Method is "POST" or "PATCH" or "DELETE" && e.RequestMessage.Path != "/oauth/token")];

    protected static JsonObject BodyOf(ILogEntry entry) => JsonNode.Parse(entry.RequestMessage.Body!)!.AsObject();

    /// <summary>A user answer: <c>{"user": {...}}</c>.</summary>
    protected static object User(string userId, string? externalId, string email, Dictionary<string, string>? metadata, params (string Organization, string[] Roles)[] memberships) =>
        new { user = UserObject(userId, externalId, email, metadata, memberships) };

    protected static object UserObject(string userId, string? externalId, string email, Dictionary<string, string>? metadata, params (string Organization, string[] Roles)[] memberships) => new
    {
        id = userId,
        email,
        external_id = externalId,
        metadata = metadata ?? [],
        user_profile = new { given_name = "Ada", family_name = "Lovelace", name = "Ada Lovelace" },
        memberships = memberships.Select(m => new
        {
            organization_id = m.Organization,
            membership_status = "ACTIVE",
            roles = m.Roles.Select(r => new { id = "role_" + r, name = r, display_name = r }).ToArray(),
            metadata = new { },
        }).ToArray(),
    };

    /// <summary>GET users:external/hr:{connection}:{employee} answers <paramref name="user"/>, or 404 when it is null.</summary>
    protected void StubLookup(string employee, object? user, string connection = LocalHostFixture.HrConnection) =>
        Api.Given(Request.Create().WithPath(LookupPaths(employee, connection)).UsingGet()).AtPriority(Fallback)
            .RespondWith(user is null
                ? Response.Create().WithStatusCode(404).WithBodyAsJson(new { code = 5, message = "user not found" })
                : Response.Create().WithStatusCode(200).WithBodyAsJson(user));

    /// <summary>The lookup's path as WireMock logs it (decoded); the client sends the id escaped.</summary>
    protected static string LookupPath(string employee, string connection = LocalHostFixture.HrConnection) =>
        $"/api/v1/users:external/{ExternalId(employee, connection)}";

    /// <summary>The lookup's path both decoded and as sent (escaped), for a stub that matches either.</summary>
    protected static string[] LookupPaths(string employee, string connection = LocalHostFixture.HrConnection) =>
        [LookupPath(employee, connection), $"/api/v1/users:external/{Uri.EscapeDataString(ExternalId(employee, connection))}"];

    /// <summary>Every write the sync can make to <paramref name="organization"/> and user <paramref name="userId"/> succeeds.</summary>
    protected void StubWrites(string organization, string userId, string email = "ada@acme.example")
    {
        var created = User(userId, null, email, null, (organization, ["member"]));
        Api.Given(Request.Create().WithPath($"/api/v1/organizations/{organization}/users").UsingPost()).AtPriority(Fallback)
            .RespondWith(Response.Create().WithStatusCode(201).WithBodyAsJson(created));
        Api.Given(Request.Create().WithPath($"/api/v1/users/{userId}").UsingPatch()).AtPriority(Fallback)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(created));
        var membership = $"/api/v1/memberships/organizations/{organization}/users/{userId}";
        Api.Given(Request.Create().WithPath(membership).UsingPost()).AtPriority(Fallback).RespondWith(Response.Create().WithStatusCode(201).WithBodyAsJson(created));
        Api.Given(Request.Create().WithPath(membership).UsingPatch()).AtPriority(Fallback).RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(created));
        Api.Given(Request.Create().WithPath(membership).UsingDelete()).AtPriority(Fallback).RespondWith(Response.Create().WithStatusCode(200).WithBody("{}"));
        Api.Given(Request.Create().WithPath($"/api/v1/users/{userId}/sessions/revoke").UsingPost()).AtPriority(Fallback)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { revoked_sessions = Array.Empty<object>(), total_revoked = 0 }));
    }

    /// <summary>Posts a signed HR event through the host and takes its message from the hr-events queue.</summary>
    protected async Task<BinaryData> DeliverAsync(string type, SampleOptions options, string connection = LocalHostFixture.HrConnection)
    {
        var body = HrSamples.Create(type, options).ToJsonString();
        var secret = connection == LocalHostFixture.HrConnection ? host.HrSecret : host.OtherHrSecret;
        using var response = await host.Client.PostAsync($"hr/{connection}", body, Deliveries.SignHr(body, secret));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await TakeAsync(StorageNames.QueueFor(HrSource.Id));
    }

    protected Task<BinaryData> DeliverAsync(string type, string employee, string organization, DateTimeOffset? at = null) =>
        DeliverAsync(type, Options(employee, organization, at));

    protected static SampleOptions Options(string employee, string organization, DateTimeOffset? at = null) =>
        new() { OccurredAt = at ?? Deliveries.Now, EmployeeId = employee, OrganizationId = organization };

    /// <summary>Posts an event of <paramref name="connection"/> and answers the response, taking nothing from the queue.</summary>
    protected async Task<HttpResponseMessage> PostAsync(string type, SampleOptions options, string connection = LocalHostFixture.HrConnection)
    {
        var body = HrSamples.Create(type, options).ToJsonString();
        var secret = connection == LocalHostFixture.HrConnection ? host.HrSecret : host.OtherHrSecret;
        return await host.Client.PostAsync($"hr/{connection}", body, Deliveries.SignHr(body, secret));
    }

    /// <summary>Posts a signed Scalekit event and takes its message from the scalekit-events queue.</summary>
    protected async Task<BinaryData> DeliverScalekitAsync(string body)
    {
        using var response = await host.Client.PostAsync("scalekit", body, Deliveries.SignScalekit(body, host.ScalekitSecret, TimeProvider.System.GetUtcNow()));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await TakeAsync(StorageNames.QueueFor(ScalekitSource.Id));
    }

    protected async Task<LedgerEntry> LedgerRowAsync(BinaryData message)
    {
        var envelope = EnvelopeCodec.Decode(message.ToMemory());
        return (await host.Host.Services.GetRequiredService<EventLedgerQueries>().FindAsync(envelope.Source, envelope.EventId))!;
    }

    /// <summary>The organization's employees as the operations API shows them.</summary>
    protected async Task<JsonArray> EmployeesAsync(string organization)
    {
        using var response = await host.OpsAsync(HttpMethod.Get, $"/api/ops/organizations/{organization}/employees");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["items"]!.AsArray();
    }

    protected async Task<JsonObject> EmployeeAsync(string organization, string employee) =>
        (await EmployeesAsync(organization)).Single(e => e!["employee_id"]!.GetValue<string>() == employee)!.AsObject();

    protected async Task<BinaryData> TakeAsync(string queueName)
    {
        var queue = host.Queue(queueName);
        var received = (await queue.ReceiveMessageAsync()).Value;
        await queue.DeleteMessageAsync(received.MessageId, received.PopReceipt);
        return received.Body;
    }
}
