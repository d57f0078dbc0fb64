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

    [Fact]
    public async Task SignedByNpmStandardWebhooks_Is201AndLandsInTheHrQueueExactly()
    {
        var body = Deliveries.HrBody("employee.hired", new SampleOptions { OccurredAt = Deliveries.Now, EventId = "hrevt_npm_1" });
        var headers = await NpmSigner.StandardWebhooksAsync(body, host.HrSecret, "msg_hr_npm_1", TimeProvider.System.GetUtcNow());

        using var response = await host.Client.PostAsync("hr", body, headers);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var message = Assert.Single(await host.PeekAllAsync(StorageNames.QueueFor(HrSource.Id)));
        var envelope = EnvelopeCodec.Decode(message.Body.ToMemory());
        Assert.Equal(HrSource.Id, envelope.Source);
        Assert.Equal("msg_hr_npm_1", envelope.DeliveryId);
        Assert.Equal("hrevt_npm_1", envelope.EventId);
        Assert.Equal("employee.hired", envelope.EventType);
        Assert.Equal(Deliveries.Now, envelope.OccurredAt);
        Assert.Equal(body, Encoding.UTF8.GetString(envelope.InlinePayload.Span));
        Assert.Empty(await host.PeekAllAsync(StorageNames.QueueFor(ScalekitSource.Id)));
    }

    [Fact]
    public async Task PreviousSecretDuringRotation_Is201_ButScalekitsSecretIs401()
    {
        var body = Deliveries.HrBody();
        using var rotated = await host.Client.PostAsync("hr", body, Deliveries.SignHr(body, host.PreviousHrSecret));
        Assert.Equal(HttpStatusCode.Created, rotated.StatusCode);

        using var otherSender = await host.Client.PostAsync("hr", body, Deliveries.SignHr(body, host.ScalekitSecret));
        Assert.Equal(HttpStatusCode.Unauthorized, otherSender.StatusCode);
        var problem = await otherSender.JsonAsync();
        Assert.Equal("invalid_signature", problem.GetProperty("reason").GetString());
        Assert.Contains(IngestOptions.HrSecretSetting, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Single(await host.PeekAllAsync(StorageNames.QueueFor(HrSource.Id)));
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
        using var response = await host.Client.PostAsync("hr", body, Deliveries.SignHr(body, host.HrSecret));

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
        using var response = await host.Client.PostAsync("hr", body, Deliveries.SignHr(body, host.HrSecret));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(await host.PeekAllAsync(StorageNames.QueueFor(HrSource.Id)));
    }
}

/// <summary>A host with no HR secret: only HR deliveries are refused.</summary>
public sealed class NoHrSecretFixture : LocalHostFixture
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { [IngestOptions.HrSecretSetting] = string.Empty };
}

public class HrNotConfiguredTests(NoHrSecretFixture host) : IClassFixture<NoHrSecretFixture>
{
    [Fact]
    public async Task NoHrSecret_Is503NamingTheSetting_WhileScalekitStillWorks()
    {
        var body = Deliveries.HrBody();
        using var response = await host.Client.PostAsync("hr", body, Deliveries.SignHr(body, host.HrSecret));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains(IngestOptions.HrSecretSetting, (await response.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await host.PeekAllAsync(StorageNames.QueueFor(HrSource.Id)));

        var scalekit = Deliveries.ScalekitBody();
        using var accepted = await host.Client.PostAsync("scalekit", scalekit, Deliveries.SignScalekit(scalekit, host.ScalekitSecret, TimeProvider.System.GetUtcNow()));
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
    }
}
