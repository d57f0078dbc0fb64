using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Scalekit.Webhooks.Cli;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.IntegrationTests.Processing;
using Scalekit.Webhooks.Samples;

namespace Scalekit.Webhooks.IntegrationTests.Hr;

/// <summary>
/// The developer's check, through the real local host with its queue triggers and no Scalekit credentials (dry run):
/// the CLI sends a hire and a termination, the operations API and the CLI then show the employee.
/// </summary>
public class HrEndToEndTests(ConsumingHostFixture host) : IClassFixture<ConsumingHostFixture>
{
    [Fact]
    public async Task HiredThenTerminated_SentByTheCli_ShowsTheEmployeeThroughTheOpsApiAndTheCli_WithTheIntendedCallsRecorded()
    {
        var employee = SampleIds.New("E-");
        const string org = LocalHostFixture.HrOrganization;

        var (hiredExit, hiredOutput, _) = await RunRaw("send", "hr", "employee.hired", "--connection", LocalHostFixture.HrConnection, "--employee", employee, "--org", org, "--url", host.BaseAddress.ToString(), "--secret", host.HrSecret);
        Assert.Equal(CliApp.Success, hiredExit);
        Assert.StartsWith("201", hiredOutput, StringComparison.Ordinal);
        await EmployeeReachesAsync(org, employee, "employee.hired");
        var (terminatedExit, _, _) = await RunRaw("send", "hr", "employee.terminated", "--connection", LocalHostFixture.HrConnection, "--employee", employee, "--org", org, "--url", host.BaseAddress.ToString(), "--secret", host.HrSecret);
        Assert.Equal(CliApp.Success, terminatedExit);
        var row = await EmployeeReachesAsync(org, employee, "employee.terminated");

        Assert.Equal("terminated", row["status"]!.GetValue<string>());
        Assert.Equal("ada@acme.example", row["email"]!.GetValue<string>());
        Assert.Equal("dry-run", row["last_sync"]!["result"]!.GetValue<string>());
        Assert.Contains($"DELETE /api/v1/memberships/organizations/{org}/users", row["last_sync"]!["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        // The employee row is written just before the ledger records the outcome, so wait for both ledger rows.
        JsonArray items = [];
        await ScalekitProcessingTests.Eventually(async () =>
        {
            using var events = await host.OpsAsync(HttpMethod.Get, $"/api/ops/events?source=hr&organizationId={org}");
            items = JsonNode.Parse(await events.Content.ReadAsStringAsync())!["items"]!.AsArray();
            return items.Count == 2 && items.All(e => e!["status"]!.GetValue<string>() == "processed");
        });
        var hired = items.Single(e => e!["event_type"]!.GetValue<string>() == "employee.hired")!;
        Assert.Contains($"POST /api/v1/organizations/{org}/users?send_invitation_email=true", hired["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("nothing sent", hired["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        var (exit, output, _) = await Run("employees", org);
        Assert.Equal(CliApp.Success, exit);
        Assert.Matches($@"{employee}\s+ada@acme\.example\s+\S*\s*terminated\s+employee\.terminated\s+dry-run", output);
        var (jsonExit, json, _) = await Run("employees", org, "--json");
        Assert.Equal(CliApp.Success, jsonExit);
        Assert.Equal(employee, JsonDocument.Parse(json).RootElement.GetProperty("items")[0].GetProperty("employee_id").GetString());

        using var noKey = await host.OpsAsync(HttpMethod.Get, $"/api/ops/organizations/{org}/employees", key: null);
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);

        using var stats = await host.OpsAsync(HttpMethod.Get, "/api/ops/stats?window=1h");
        var health = JsonNode.Parse(await stats.Content.ReadAsStringAsync())!["integrations"]!.AsArray().Single(i => i!["name"]!.GetValue<string>() == "hr")!;
        Assert.Equal("dry-run", health["mode"]!.GetValue<string>());
        Assert.True(health["successes"]!.GetValue<int>() >= 2);
        Assert.NotNull(health["last_success_at"]);
        Assert.NotNull(health["average_duration_ms"]);
        var (statsExit, statsOutput, _) = await Run("stats", "--window", "1h");
        Assert.Equal(CliApp.Success, statsExit);
        Assert.Matches(@"hr sync: \w+ \(dry-run\), \d+ succeeded, \d+ failed, last success \S+", statsOutput);
        Assert.Contains("hr-events-poison", statsOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Types_ListsEveryHrType_AndAnUnknownTypeIsRefusedByTheReceiver()
    {
        var (exit, output, _) = await RunRaw("types");
        Assert.Equal(CliApp.Success, exit);
        foreach (var type in HrSamples.Types)
        {
            Assert.Contains("hr       " + type, output, StringComparison.Ordinal);
        }

        var (refused, _, _) = await RunRaw("send", "hr", "employee.promoted", "--connection", LocalHostFixture.HrConnection, "--url", host.BaseAddress.ToString(), "--secret", host.HrSecret);
        Assert.Equal(CliApp.Refused, refused);
        var (noConnection, _, error) = await RunRaw("send", "hr", "employee.hired", "--url", host.BaseAddress.ToString(), "--secret", host.HrSecret);
        Assert.Equal(CliApp.UsageError, noConnection);
        Assert.Contains("--connection", error, StringComparison.Ordinal);
    }

    private async Task<JsonObject> EmployeeReachesAsync(string org, string employee, string eventType)
    {
        JsonObject? found = null;
        await ScalekitProcessingTests.Eventually(async () =>
        {
            using var response = await host.OpsAsync(HttpMethod.Get, $"/api/ops/organizations/{org}/employees");
            found = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["items"]!.AsArray()
                .Select(e => e!.AsObject()).FirstOrDefault(e => e["employee_id"]!.GetValue<string>() == employee && e["last_event"]?["type"]?.GetValue<string>() == eventType);
            return found is not null;
        });
        return found!;
    }

    private Task<(int Exit, string Output, string Error)> Run(params string[] args) =>
        RunRaw([.. args, "--url", host.BaseAddress.ToString(), "--key", host.OpsKey]);

    private static async Task<(int Exit, string Output, string Error)> RunRaw(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliApp.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
