using System.Net;
using System.Text;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.IntegrationTests.Hr;

public class HrIngestTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => host.ClearQueuesAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private const string Acme = "hr/" + LocalHostFixture.HrConnection;

    [Fact]
    public async Task SignedByNpmStandardWebhooks_OnItsConnection_Is201_AndStoredUnderTheConnectionsEventId()
    {
        var body = Deliveries.HrBody("employee.hired", new SampleOptions { OccurredAt = Deliveries.Now, EventId = "hrevt_npm_1" });
        var headers = await NpmSigner.StandardWebhooksAsync(body, host.HrSecret, "msg_hr_npm_1", TimeProvider.System.GetUtcNow());

        using var response = await host.Client.PostAsync(Acme, body, headers);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var message = Assert.Single(await host.PeekAllAsync(StorageNames.QueueFor(HrSource.Id)));
        var envelope = EnvelopeCodec.Decode(message.Body.ToMemory());
        Assert.Equal(HrSource.Id, envelope.Source);
        Assert.Equal("msg_hr_npm_1", envelope.DeliveryId);
        Assert.Equal("acme:hrevt_npm_1", envelope.EventId);
        Assert.Equal("employee.hired", envelope.EventType);
        Assert.Equal(Deliveries.Now, envelope.OccurredAt);
        Assert.Equal(body, Encoding.UTF8.GetString(envelope.InlinePayload.Span));
        Assert.Empty(await host.PeekAllAsync(StorageNames.QueueFor(ScalekitSource.Id)));
    }

    [Fact]
    public async Task PreviousSecretDuringRotation_Is201_ButAnotherConnectionsSecretIs401NamingThisConnectionsSetting()
    {
        var body = Deliveries.HrBody();
        using var rotated = await host.Client.PostAsync(Acme, body, Deliveries.SignHr(body, host.PreviousHrSecret));
        Assert.Equal(HttpStatusCode.Created, rotated.StatusCode);

        using var otherCustomer = await host.Client.PostAsync(Acme, body, Deliveries.SignHr(body, host.OtherHrSecret));
        Assert.Equal(HttpStatusCode.Unauthorized, otherCustomer.StatusCode);
        var problem = await otherCustomer.JsonAsync();
        Assert.Equal("invalid_signature", problem.GetProperty("reason").GetString());
        Assert.Contains("HR_CONNECTIONS__acme__SIGNING_SECRET", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Single(await host.PeekAllAsync(StorageNames.QueueFor(HrSource.Id)));
    }

    [Fact]
    public async Task UnknownConnection_Is404_AndNothingIsQueued()
    {
        var body = Deliveries.HrBody();

        using var response = await host.Client.PostAsync("hr/initech", body, Deliveries.SignHr(body, host.HrSecret));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("unknown_connection", (await response.JsonAsync()).GetProperty("reason").GetString());
        Assert.Empty(await host.PeekAllAsync(StorageNames.QueueFor(HrSource.Id)));
    }

    [Fact]
    public async Task BrokenConnection_Is503NamingItsSetting_WhileTheOtherConnectionsKeepWorking()
    {
        var body = Deliveries.HrBody();

        using var broken = await host.Client.PostAsync("hr/" + LocalHostFixture.BrokenHrConnection, body, Deliveries.SignHr(body, host.HrSecret));
        using var working = await host.Client.PostAsync(Acme, body, Deliveries.SignHr(body, host.HrSecret));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, broken.StatusCode);
        Assert.Contains("HR_CONNECTIONS__broken__SIGNING_SECRET is not set", (await broken.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, working.StatusCode);
    }

    [Fact]
    public async Task SharedHrRoute_Is410PointingToTheDocs_EvenWhenSignedWithAConnectionsSecret()
    {
        var body = Deliveries.HrBody();

        using var response = await host.Client.PostAsync("hr", body, Deliveries.SignHr(body, host.HrSecret));

        Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
        Assert.Contains("docs/hr.md", (await response.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await host.PeekAllAsync(StorageNames.QueueFor(HrSource.Id)));
    }

    [Fact]
    public async Task EventNamingAnotherOrganization_Is400NamingTheField_AndNeverQueued()
    {
        var body = Deliveries.HrBody("employee.terminated", new SampleOptions { OccurredAt = Deliveries.Now, EmployeeOrganizationId = LocalHostFixture.OtherHrOrganization });

        using var response = await host.Client.PostAsync(Acme, body, Deliveries.SignHr(body, host.HrSecret));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Equal("invalid_event", problem.GetProperty("reason").GetString());
        Assert.Contains("data.organization_id names another organization", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await host.PeekAllAsync(StorageNames.QueueFor(HrSource.Id)));
    }

    [Fact]
    public async Task EventNamingAnOrganizationByExternalId_Is400_ButNamingItsOwnOrganizationIs201()
    {
        var byExternalId = Deliveries.HrBody("employee.hired", new SampleOptions { OccurredAt = Deliveries.Now, EmployeeOrganizationExternalId = "cus_other" });
        var ownOrganization = Deliveries.HrBody("employee.hired", new SampleOptions { OccurredAt = Deliveries.Now, EmployeeOrganizationId = LocalHostFixture.HrOrganization });

        using var refused = await host.Client.PostAsync(Acme, byExternalId, Deliveries.SignHr(byExternalId, host.HrSecret));
        using var accepted = await host.Client.PostAsync(Acme, ownOrganization, Deliveries.SignHr(ownOrganization, host.HrSecret));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("data.organization_external_id", (await refused.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        Assert.Single(await host.PeekAllAsync(StorageNames.QueueFor(HrSource.Id)));
    }

    [Fact]
    public async Task SameEventIdOnTwoConnections_IsTwoEvents()
    {
        var body = Deliveries.HrBody("employee.hired", new SampleOptions { OccurredAt = Deliveries.Now, EventId = "hrevt_shared_1" });

        using var acme = await host.Client.PostAsync(Acme, body, Deliveries.SignHr(body, host.HrSecret));
        using var globex = await host.Client.PostAsync("hr/" + LocalHostFixture.OtherHrConnection, body, Deliveries.SignHr(body, host.OtherHrSecret));

        Assert.Equal(HttpStatusCode.Created, acme.StatusCode);
        Assert.Equal(HttpStatusCode.Created, globex.StatusCode);
        var ids = (await host.PeekAllAsync(StorageNames.QueueFor(HrSource.Id))).Select(m => EnvelopeCodec.Decode(m.Body.ToMemory()).EventId).Order();
        Assert.Equal(["acme:hrevt_shared_1", "globex:hrevt_shared_1"], ids);
    }

    [Theory]
    [InlineData("data.employee_id", null, "data.employee_id is required")]
    [InlineData("data.email", null, "data.email is required")]
    [InlineData("data.email", "not-an-email", "data.email must be an email address")]
    [InlineData("type", "employee.promoted", "type must be one of")]
    [InlineData("occurred_at", null, "occurred_at is required")]
    [InlineData("data.start_date", "next monday", "data.start_date must be a date")]
    [InlineData("data.status", "retired", "data.status must be one of")]
    public async Task MissingOrWrongField_Is400NamingTheField_AndNothingIsQueued(string field, string? value, string expected)
    {
        var sample = HrSamples.Create("employee.hired", new SampleOptions { OccurredAt = Deliveries.Now });
        var parent = field.StartsWith("data.", StringComparison.Ordinal) ? sample["data"]!.AsObject() : sample;
        var name = field.StartsWith("data.", StringComparison.Ordinal) ? field[5..] : field;
        if (value is null)
        {
            parent.Remove(name);
        }
        else
        {
            parent[name] = value;
        }

        var body = sample.ToJsonString();
        using var response = await host.Client.PostAsync(Acme, body, Deliveries.SignHr(body, host.HrSecret));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Equal("invalid_event", problem.GetProperty("reason").GetString());
        Assert.Contains(expected, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await host.PeekAllAsync(StorageNames.QueueFor(HrSource.Id)));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"id\":\"hrevt_1\",\"type\":\"employee.hired\",\"occurred_at\":\"2026-11-25T09:00:00Z\",\"data\":\"E-1\"}")]
    [InlineData("{\"id\":\"hrevt_1\",\"type\":\"employee.hired\",\"occurred_at\":\"2026-11-25T09:00:00Z\",\"data\":{\"employee_id\":7,\"email\":\"a@b.example\"}}")]
    public async Task MalformedShapes_Are400_NeverA5xx(string body)
    {
        using var response = await host.Client.PostAsync(Acme, body, Deliveries.SignHr(body, host.HrSecret));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(await host.PeekAllAsync(StorageNames.QueueFor(HrSource.Id)));
    }
}
