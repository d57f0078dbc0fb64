using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Hr.Providers;
using Scalekit.Webhooks.Hr.Providers.BambooHr;
using Scalekit.Webhooks.Hr.Providers.Merge;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Samples;

namespace Scalekit.Webhooks.IntegrationTests.Hr;

/// <summary>A host with its own development secret store and a clock the tests move (for the rotation grace).</summary>
public sealed class HrConnectionsFixture : LocalHostFixture
{
    public string SecretsPath { get; } = Path.Combine(Path.GetTempPath(), "skfn-hr-secrets-" + Guid.NewGuid().ToString("N"));

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds()));

    protected override TimeProvider Clock => Time;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        [HrSecretOptions.DevelopmentPathSetting] = SecretsPath,
        [HrSecretOptions.RotationGraceSetting] = "2",
        [MergeOptions.SignatureKeySetting] = MergeKey,

        // Nothing listens there: the BambooHR events these tests deliver fail fast when they are processed.
        [BambooHrOptions.BaseUrlSetting] = "http://127.0.0.1:9/",
    };

    public const string MergeKey = "merge-signature-key-for-stored-connections";

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(SecretsPath))
        {
            Directory.Delete(SecretsPath, recursive: true);
        }
    }

    public async Task<HttpResponseMessage> SendJsonAsync(HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("x-functions-key", OpsKey);
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        return await Client.SendAsync(request);
    }
}

public class HrConnectionsApiTests(HrConnectionsFixture host) : IClassFixture<HrConnectionsFixture>
{
    private const string Connections = "/api/ops/hr/connections";

    [Fact]
    public async Task CreateGeneric_Is201_WithTheSecretOnce_AndDeliveriesSignedWithItAre201()
    {
        using var created = await host.SendJsonAsync(HttpMethod.Post, Connections, new { organization_id = "org_generic_1", provider = "generic" });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var connection = await created.JsonAsync();
        var id = connection.GetProperty("id").GetString()!;
        var secret = connection.GetProperty("signing_secret").GetString()!;
        Assert.Matches("^hrc_[a-z2-7]{20}$", id);
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Equal("api", connection.GetProperty("defined_in").GetString());
        Assert.Equal($"{host.BaseAddress.ToString().TrimEnd('/')}/api/webhooks/hr/{id}", connection.GetProperty("webhook_url").GetString());
        Assert.Equal($"/api/ops/hr/connections/{id}", created.Headers.Location?.ToString());

        var body = Deliveries.HrBody();
        using var delivered = await host.Client.PostAsync("hr/" + id, body, Deliveries.SignHr(body, secret, host.Time.GetUtcNow()));
        Assert.Equal(HttpStatusCode.Created, delivered.StatusCode);

        // Never again: not in the connection, the list, the audit trail or the logs.
        using var read = await host.OpsAsync(HttpMethod.Get, $"{Connections}/{id}");
        using var list = await host.OpsAsync(HttpMethod.Get, $"{Connections}?pageSize=100");
        using var audit = await host.OpsAsync(HttpMethod.Get, "/api/ops/audit?action=hr-connection-create");
        var readText = await read.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Contains(HrConnection.FingerprintOf(secret), readText, StringComparison.Ordinal);
        Assert.DoesNotContain("signing_secret", readText, StringComparison.Ordinal);
        var listText = await list.Content.ReadAsStringAsync();
        Assert.Contains(id, listText, StringComparison.Ordinal);
        var auditText = await audit.Content.ReadAsStringAsync();
        Assert.Contains(id, auditText, StringComparison.Ordinal);
        var key = secret["whsec_".Length..];
        Assert.All(new[] { readText, listText, auditText }, text => Assert.DoesNotContain(key, text, StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs.Entries, entry => entry.Message.Contains(key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CreateEachProvider_Is201_WithItsFields_AndNoSecretInTheAnswer()
    {
        using var bamboo = await host.SendJsonAsync(HttpMethod.Post, Connections, new { organization_id = "org_bamboo", provider = "bamboohr", company_domain = "acme", company_id = "12345", api_key = "bamboo-api-key-1", webhook_private_key = "bamboo-private-key-1" });
        using var hibob = await host.SendJsonAsync(HttpMethod.Post, Connections, new { organization_id = "org_hibob", provider = "hibob", service_user_id = "SERVICE-1", service_user_token = "hibob-token-1", webhook_secret = "hibob-secret-1", company_id = "637323" });
        using var merge = await host.SendJsonAsync(HttpMethod.Post, Connections, new { organization_id = "org_merge_default", provider = "merge" });

        Assert.Equal(HttpStatusCode.Created, bamboo.StatusCode);
        Assert.Equal(HttpStatusCode.Created, hibob.StatusCode);
        Assert.Equal(HttpStatusCode.Created, merge.StatusCode);
        var bambooView = await bamboo.JsonAsync();
        Assert.Equal("bamboohr", bambooView.GetProperty("provider").GetString());
        Assert.Equal("acme", bambooView.GetProperty("company_domain").GetString());
        Assert.Equal(HrConnection.FingerprintOf("bamboo-api-key-1"), bambooView.GetProperty("api_credential_fingerprint").GetString());
        Assert.False(bambooView.TryGetProperty("signing_secret", out _));
        Assert.Equal("SERVICE-1", (await hibob.JsonAsync()).GetProperty("service_user_id").GetString());
        Assert.Equal("org_merge_default", (await merge.JsonAsync()).GetProperty("end_user_origin_id").GetString());
        var answers = string.Concat(await bamboo.Content.ReadAsStringAsync(), await hibob.Content.ReadAsStringAsync());
        Assert.DoesNotContain("bamboo-private-key-1", answers, StringComparison.Ordinal);
        Assert.DoesNotContain("hibob-token-1", answers, StringComparison.Ordinal);

        // The secrets are in the secret store, not the table.
        var id = bambooView.GetProperty("id").GetString()!;
        Assert.Equal("bamboo-private-key-1", await File.ReadAllTextAsync(Path.Combine(host.SecretsPath, id, HrSecretSlots.Webhook(1))));
    }

    [Theory]
    [InlineData("""{"provider":"generic"}""", "organization_id")]
    [InlineData("""{"organization_id":"org_1","provider":"workday"}""", "provider")]
    [InlineData("""{"organization_id":"org_1","provider":"generic","signing_secret":"whsec_x"}""", "signing_secret")]
    [InlineData("""{"organization_id":"org_1","provider":"bamboohr","company_domain":"Acme Inc","api_key":"k","webhook_private_key":"p"}""", "company_domain")]
    [InlineData("""{"organization_id":"org_1","provider":"bamboohr","company_domain":"acme","webhook_private_key":"p"}""", "api_key")]
    [InlineData("""{"organization_id":"org_1","provider":"bamboohr","company_domain":"acme","api_key":"k","webhook_private_key":"p","company_id":"abc"}""", "company_id")]
    [InlineData("""{"organization_id":"org_1","provider":"hibob","service_user_id":"s","service_user_token":"t","webhook_secret":"w"}""", "company_id")]
    [InlineData("""{"organization_id":"org_1","provider":"hibob","service_user_id":"s","webhook_secret":"w","company_id":"1"}""", "service_user_token")]
    [InlineData("""{"organization_id":"org_1","provider":"merge","company_id":"1"}""", "company_id")]
    [InlineData("""{"organization_id":"org_1","provider":"merge","end_user_origin_id":12}""", "end_user_origin_id")]
    public async Task CreateWithAWrongField_Is400NamingTheField(string body, string field)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Connections) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("x-functions-key", host.OpsKey);

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (await response.JsonAsync()).GetProperty("field").GetString());
    }

    [Fact]
    public async Task MergeOriginTaken_Is409NamingTheField_UntilTheConnectionHoldingItIsDeleted()
    {
        using var first = await host.SendJsonAsync(HttpMethod.Post, Connections, new { organization_id = "org_merge_a", provider = "merge", end_user_origin_id = "origin-shared" });
        using var second = await host.SendJsonAsync(HttpMethod.Post, Connections, new { organization_id = "org_merge_b", provider = "merge", end_user_origin_id = "origin-shared" });

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("end_user_origin_id", (await second.JsonAsync()).GetProperty("field").GetString());

        using var deleted = await host.OpsAsync(HttpMethod.Delete, $"{Connections}/{(await first.JsonAsync()).GetProperty("id").GetString()}");
        using var third = await host.SendJsonAsync(HttpMethod.Post, Connections, new { organization_id = "org_merge_b", provider = "merge", end_user_origin_id = "origin-shared" });
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.Created, third.StatusCode);
    }

    [Fact]
    public async Task Rotate_BothSecretsAreAcceptedDuringTheGrace_AndOnlyTheNewOneAfter()
    {
        var (id, old) = await CreateGenericAsync("org_rotate");

        using var rotated = await host.SendJsonAsync(HttpMethod.Post, $"{Connections}/{id}/rotate", null);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var view = await rotated.JsonAsync();
        var current = view.GetProperty("signing_secret").GetString()!;
        Assert.NotEqual(old, current);
        Assert.Equal([HrConnection.FingerprintOf(current), HrConnection.FingerprintOf(old)], view.GetProperty("secret_fingerprints").EnumerateArray().Select(f => f.GetString()));

        Assert.Equal(HttpStatusCode.Created, await DeliverAsync(id, old));
        Assert.Equal(HttpStatusCode.Created, await DeliverAsync(id, current));

        host.Time.Advance(TimeSpan.FromHours(2) + TimeSpan.FromSeconds(1));

        Assert.Equal(HttpStatusCode.Unauthorized, await DeliverAsync(id, old));
        Assert.Equal(HttpStatusCode.Created, await DeliverAsync(id, current));
        using var read = await host.OpsAsync(HttpMethod.Get, $"{Connections}/{id}");
        Assert.Single((await read.JsonAsync()).GetProperty("secret_fingerprints").EnumerateArray());
    }

    [Fact]
    public async Task RotateAProvider_TakesTheNewKeyFromTheBody_AndMergeHasNothingToRotate()
    {
        using var bamboo = await host.SendJsonAsync(HttpMethod.Post, Connections, new { organization_id = "org_bamboo_rotate", provider = "bamboohr", company_domain = "acme", api_key = "key-1", webhook_private_key = "private-1" });
        var id = (await bamboo.JsonAsync()).GetProperty("id").GetString()!;

        using var empty = await host.SendJsonAsync(HttpMethod.Post, $"{Connections}/{id}/rotate", new { });
        using var rotated = await host.SendJsonAsync(HttpMethod.Post, $"{Connections}/{id}/rotate", new { webhook_private_key = "private-2" });
        using var merge = await host.SendJsonAsync(HttpMethod.Post, Connections, new { organization_id = "org_merge_rotate", provider = "merge" });
        using var mergeRotated = await host.SendJsonAsync(HttpMethod.Post, $"{Connections}/{(await merge.JsonAsync()).GetProperty("id").GetString()}/rotate", null);

        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal("webhook_private_key", (await empty.JsonAsync()).GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.Equal(HrConnection.FingerprintOf("private-2"), (await rotated.JsonAsync()).GetProperty("secret_fingerprints")[0].GetString());
        Assert.Equal("private-2", await File.ReadAllTextAsync(Path.Combine(host.SecretsPath, id, HrSecretSlots.Webhook(2))));
        Assert.Equal(HttpStatusCode.BadRequest, mergeRotated.StatusCode);
        Assert.Contains("MERGE_WEBHOOK_SIGNATURE_KEY", (await mergeRotated.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_Is204_ItsSecretsAreGone_AndItsDeliveriesAre404AtOnce()
    {
        var (id, secret) = await CreateGenericAsync("org_delete");
        Assert.Equal(HttpStatusCode.Created, await DeliverAsync(id, secret));

        using var deleted = await host.OpsAsync(HttpMethod.Delete, $"{Connections}/{id}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, await DeliverAsync(id, secret));
        Assert.False(Directory.Exists(Path.Combine(host.SecretsPath, id)));
        using var read = await host.OpsAsync(HttpMethod.Get, $"{Connections}/{id}");
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        using var again = await host.OpsAsync(HttpMethod.Delete, $"{Connections}/{id}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task UnreadableSecret_Is503NamingTheConnection_WhileAnotherConnectionStillGets201()
    {
        var (broken, brokenSecret) = await CreateGenericAsync("org_unreadable");
        var (working, workingSecret) = await CreateGenericAsync("org_readable");
        File.Delete(Path.Combine(host.SecretsPath, broken, HrSecretSlots.Webhook(1)));

        var body = Deliveries.HrBody();
        using var refused = await host.Client.PostAsync("hr/" + broken, body, Deliveries.SignHr(body, brokenSecret, host.Time.GetUtcNow()));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        var detail = (await refused.JsonAsync()).GetProperty("detail").GetString()!;
        Assert.Contains(broken, detail, StringComparison.Ordinal);
        Assert.DoesNotContain(brokenSecret["whsec_".Length..], detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, await DeliverAsync(working, workingSecret));
    }

    [Fact]
    public async Task SettingsConnections_AreListedReadOnly_AndRotateOrDeleteIs409PointingToTheSetting()
    {
        using var list = await host.OpsAsync(HttpMethod.Get, Connections);
        var items = (await list.JsonAsync()).GetProperty("items").EnumerateArray().ToList();
        var acme = Assert.Single(items, item => item.GetProperty("id").GetString() == LocalHostFixture.HrConnection);
        Assert.Equal("settings", acme.GetProperty("defined_in").GetString());
        Assert.Equal(LocalHostFixture.HrOrganization, acme.GetProperty("organization_id").GetString());

        using var rotate = await host.SendJsonAsync(HttpMethod.Post, $"{Connections}/{LocalHostFixture.HrConnection}/rotate", null);
        using var delete = await host.OpsAsync(HttpMethod.Delete, $"{Connections}/{LocalHostFixture.HrConnection}");

        Assert.Equal(HttpStatusCode.Conflict, rotate.StatusCode);
        Assert.Contains("HR_CONNECTIONS__acme__SIGNING_SECRET", (await rotate.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, delete.StatusCode);
        Assert.Contains("HR_CONNECTIONS__acme__", (await delete.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownConnection_Is404_AndTheRoutesNeedTheOpsKey()
    {
        Assert.Equal(HttpStatusCode.NotFound, await DeliverAsync(HrConnectionIds.New(), WebhookSigner.NewScalekitSecret()));
        using var read = await host.OpsAsync(HttpMethod.Get, $"{Connections}/{HrConnectionIds.New()}");
        using var anonymous = await host.OpsAsync(HttpMethod.Post, Connections, key: null);

        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task StoredBambooHrWithoutACompanyId_RecordsTheFirstVerifiedOne_AndRefusesAnotherCompanyAfter()
    {
        using var created = await host.SendJsonAsync(HttpMethod.Post, Connections, new { organization_id = "org_bamboo_learn", provider = "bamboohr", company_domain = "acme", api_key = "key-1", webhook_private_key = "learn-key" });
        var id = (await created.JsonAsync()).GetProperty("id").GetString()!;
        Assert.False((await created.JsonAsync()).TryGetProperty(BambooHrProvider.CompanyId, out _));

        var badSignature = await DeliverBambooAsync(id, "e-1", "777", "another-key");
        var first = await DeliverBambooAsync(id, "e-1", "777", "learn-key");
        using var read = await host.OpsAsync(HttpMethod.Get, $"{Connections}/{id}");
        var other = await DeliverBambooAsync(id, "e-2", "888", "learn-key");
        var same = await DeliverBambooAsync(id, "e-3", "777", "learn-key");

        Assert.Equal(HttpStatusCode.Unauthorized, badSignature);
        Assert.Equal(HttpStatusCode.Created, first);
        Assert.Equal("777", (await read.JsonAsync()).GetProperty(BambooHrProvider.CompanyId).GetString());
        Assert.Equal(HttpStatusCode.BadRequest, other);
        Assert.Equal(HttpStatusCode.Created, same);
    }

    [Fact]
    public async Task StoredMergeConnection_IsFoundOnTheSharedAddressByItsOrigin_UntilItIsDeleted()
    {
        using var created = await host.SendJsonAsync(HttpMethod.Post, Connections, new { organization_id = "org_merge_stored", provider = "merge", end_user_origin_id = "origin-stored-1" });
        var id = (await created.JsonAsync()).GetProperty("id").GetString()!;
        var sample = new SampleOptions { OccurredAt = host.Time.GetUtcNow(), EmployeeId = "m-1" }.ToHrSample("Employee.added");

        var found = await DeliverMergeAsync(MergeSamples.Event("Employee.added", "origin-stored-1", sample));
        var unknown = await DeliverMergeAsync(MergeSamples.Event("Employee.added", "origin-nobody", sample));
        using var deleted = await host.OpsAsync(HttpMethod.Delete, $"{Connections}/{id}");
        var afterDelete = await DeliverMergeAsync(MergeSamples.Event("Employee.changed", "origin-stored-1", sample));

        Assert.Equal(HttpStatusCode.Created, found);
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, afterDelete);
    }

    [Fact]
    public async Task Providers_ListEveryHrSystemWithItsFields_ButNoGeneratedSecret()
    {
        using var answer = await host.OpsAsync(HttpMethod.Get, "/api/ops/hr/providers");

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var providers = (await answer.JsonAsync()).GetProperty("items").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        Assert.Equal(HrProviders.All.Select(p => p.Name).Order(), providers.Keys.Order());
        Assert.Empty(providers["generic"].GetProperty("fields").EnumerateArray());
        Assert.True(providers["generic"].GetProperty("generates_signing_secret").GetBoolean());
        var bambooFields = providers["bamboohr"].GetProperty("fields").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!);
        Assert.Equal(["company_domain", "company_id", "api_key", "webhook_private_key"], bambooFields.Keys);
        Assert.False(bambooFields["company_id"].GetProperty("required").GetBoolean());
        Assert.True(bambooFields["webhook_private_key"].GetProperty("secret").GetBoolean());
        Assert.Equal("merge", providers["merge"].GetProperty("shared_route").GetString());
        using var anonymous = await host.Client.GetAsync("/api/ops/hr/providers");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    private async Task<HttpStatusCode> DeliverBambooAsync(string connection, string employee, string company, string key)
    {
        var body = BambooHrSamples.Event("employee.updated", employee, company, host.Time.GetUtcNow());
        var signed = BambooHrSamples.Sign(Encoding.UTF8.GetBytes(body), key, host.Time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var response = await host.Client.PostAsync("hr/" + connection, body, signed);
        return response.StatusCode;
    }

    private async Task<HttpStatusCode> DeliverMergeAsync(string body)
    {
        using var response = await host.Client.PostAsync("hr/" + MergeProvider.Route, body, [MergeSamples.Sign(Encoding.UTF8.GetBytes(body), HrConnectionsFixture.MergeKey)]);
        return response.StatusCode;
    }

    private async Task<(string Id, string Secret)> CreateGenericAsync(string organization)
    {
        using var created = await host.SendJsonAsync(HttpMethod.Post, Connections, new { organization_id = organization, provider = "generic" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var view = await created.JsonAsync();
        return (view.GetProperty("id").GetString()!, view.GetProperty("signing_secret").GetString()!);
    }

    private async Task<HttpStatusCode> DeliverAsync(string connection, string secret)
    {
        var body = Deliveries.HrBody();
        using var response = await host.Client.PostAsync("hr/" + connection, body, Deliveries.SignHr(body, secret, host.Time.GetUtcNow()));
        return response.StatusCode;
    }
}
