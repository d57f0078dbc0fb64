using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.IntegrationTests.Hr;

/// <summary>A Scalekit stand-in host that can also keep created connections' secrets (its own development store).</summary>
public sealed class HrConnectionDeliveriesFixture : HrStandInFixture
{
    public string SecretsPath { get; } = Path.Combine(Path.GetTempPath(), "skfn-hr-secrets-" + Guid.NewGuid().ToString("N"));

    protected override IReadOnlyDictionary<string, string?> HrSettings => new Dictionary<string, string?> { [HrSecretOptions.DevelopmentPathSetting] = SecretsPath };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(SecretsPath))
        {
            Directory.Delete(SecretsPath, recursive: true);
        }
    }
}

/// <summary>The delivery figures of <c>GET /api/ops/hr/connections/{id}</c>, through the local host, Azurite and a Scalekit stand-in.</summary>
public class HrConnectionDeliveriesTests(HrConnectionDeliveriesFixture host) : HrTestBase(host), IClassFixture<HrConnectionDeliveriesFixture>
{
    private const string Connections = "/api/ops/hr/connections";

    [Fact]
    public async Task OneConnection_ShowsItsAcceptedRefusedParkedAndSyncedFigures_AndNeverAnotherConnections()
    {
        var (organization, other) = (SampleIds.New("org_"), SampleIds.New("org_"));
        var (connection, secret) = await CreateAsync(organization);
        var (otherConnection, otherSecret) = await CreateAsync(other);
        var (hired, full) = (SampleIds.New("E-"), SampleIds.New("E-"));
        StubLookup(hired, null, connection);
        StubWrites(organization, "usr_stats_hired");
        StubLookup(full, User("usr_stats_full", ExternalId(full, connection), "grace@acme.example", Enumerable.Range(0, 18).ToDictionary(i => $"custom_key_{i}", _ => "value"), (organization, ["member"])), connection);

        Assert.Equal(HttpStatusCode.Created, await PostAsync(connection, secret, "employee.hired", Options(hired, organization)));
        await Consumer.HandleAsync(await TakeAsync(StorageNames.QueueFor(HrSource.Id)));
        Assert.Equal(HttpStatusCode.Created, await PostAsync(connection, secret, "employee.updated", Options(full, organization)));
        await Consumer.HandleAsync(await TakeAsync(StorageNames.QueueFor(HrSource.Id)));
        Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync(connection, otherSecret, "employee.hired", Options(SampleIds.New("E-"), organization)));
        Assert.Equal(HttpStatusCode.BadRequest, await PostAsync(connection, secret, "employee.hired", Options(SampleIds.New("E-"), organization) with { EmployeeOrganizationId = other }));
        var otherHired = SampleIds.New("E-");
        StubLookup(otherHired, null, otherConnection);
        StubWrites(other, "usr_stats_other");
        Assert.Equal(HttpStatusCode.Created, await PostAsync(otherConnection, otherSecret, "employee.hired", Options(otherHired, other)));
        await Consumer.HandleAsync(await TakeAsync(StorageNames.QueueFor(HrSource.Id)));
        Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync(otherConnection, secret, "employee.hired", Options(SampleIds.New("E-"), other)));

        var figures = await DeliveriesAsync(connection);

        Assert.Equal(2, figures["accepted"]!.GetValue<int>());
        Assert.Equal(1, figures["processed"]!.GetValue<int>());
        Assert.Equal(1, figures["parked"]!.GetValue<int>());
        Assert.Equal(0, figures["failed"]!.GetValue<int>());
        Assert.False(figures["truncated"]!.GetValue<bool>());
        Assert.Equal(new Dictionary<string, long> { ["invalid_signature"] = 1, ["invalid_event"] = 1 }, figures["refused_by_reason"].Deserialize<Dictionary<string, long>>());
        Assert.InRange(figures["last_delivery_at"]!.GetValue<DateTimeOffset>(), Deliveries.Now.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.NotNull(figures["last_refused_at"]);
        Assert.Contains("at most 20", figures["last_error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith(connection + ":", figures["last_error_event_id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, figures["employees_synced"]!.GetValue<int>());

        var others = await DeliveriesAsync(otherConnection);
        Assert.Equal(1, others["accepted"]!.GetValue<int>());
        Assert.Equal(1, others["processed"]!.GetValue<int>());
        Assert.Equal(0, others["parked"]!.GetValue<int>());
        Assert.Null(others["last_error"]);
        Assert.Equal(new Dictionary<string, long> { ["invalid_signature"] = 1 }, others["refused_by_reason"].Deserialize<Dictionary<string, long>>());
        Assert.Equal(1, others["employees_synced"]!.GetValue<int>());
    }

    [Fact]
    public async Task TheList_CarriesNoFigures_AndAnUnknownConnectionsRefusalsAreNeverCounted()
    {
        var (connection, _) = await CreateAsync(SampleIds.New("org_"));
        var unknown = HrConnectionIds.New();
        Assert.Equal(HttpStatusCode.NotFound, await PostAsync(unknown, "whsec_" + Convert.ToBase64String(new byte[32]), "employee.hired", Options(SampleIds.New("E-"), "org_x")));

        using var list = await Fixture.OpsAsync(HttpMethod.Get, $"{Connections}?pageSize=100");
        var items = JsonNode.Parse(await list.Content.ReadAsStringAsync())!["items"]!.AsArray();
        Assert.Contains(items, item => item!["id"]!.GetValue<string>() == connection);
        Assert.All(items, item => Assert.Null(item!["deliveries"]));
        var figures = await DeliveriesAsync(connection);
        Assert.Equal(0, figures["accepted"]!.GetValue<int>());
        Assert.Null(figures["last_delivery_at"]);
        Assert.Empty(figures["refused_by_reason"]!.AsObject());
        var refusals = await Fixture.Host.Services.GetRequiredService<HrConnectionRefusals>().ReadAsync(unknown);
        Assert.Empty(refusals.ByReason);
    }

    private async Task<(string Id, string Secret)> CreateAsync(string organization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Connections)
        {
            Content = new StringContent(JsonSerializer.Serialize(new { organization_id = organization, provider = "generic" }), Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("x-functions-key", Fixture.OpsKey);
        using var response = await Fixture.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.JsonAsync();
        return (created.GetProperty("id").GetString()!, created.GetProperty("signing_secret").GetString()!);
    }

    private async Task<HttpStatusCode> PostAsync(string connection, string secret, string type, SampleOptions options)
    {
        var body = HrSamples.Create(type, options).ToJsonString();
        using var response = await Fixture.Client.PostAsync($"hr/{connection}", body, Deliveries.SignHr(body, secret));
        return response.StatusCode;
    }

    private async Task<JsonObject> DeliveriesAsync(string connection)
    {
        using var response = await Fixture.OpsAsync(HttpMethod.Get, $"{Connections}/{connection}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["deliveries"]!.AsObject();
    }
}
