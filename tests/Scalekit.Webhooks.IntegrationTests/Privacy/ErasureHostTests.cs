using System.Net;
using System.Text.Json.Nodes;
using Scalekit.Webhooks.Cli;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.IntegrationTests.Processing;
using Scalekit.Webhooks.Samples;

namespace Scalekit.Webhooks.IntegrationTests.Privacy;

/// <summary>
/// Through the real local host with its queue triggers and no Scalekit credentials (HR runs dry): what the logs receive,
/// and an erasure run by the host's own erasure-jobs listener, followed by the CLI.
/// </summary>
public class ErasureHostTests(ConsumingHostFixture host) : IClassFixture<ConsumingHostFixture>
{
    [Fact]
    public async Task HrDryRun_LogsItsPlan_WithoutTheEmployeesOrTheManagersEmail_NorKeepsThemInTheLedgerDetail()
    {
        var (org, employee, domain) = (LocalHostFixture.HrOrganization, SampleIds.New("E-"), SampleIds.New("d").ToLowerInvariant() + ".example");
        await HireAsync(LocalHostFixture.HrConnection, org, employee, $"ada@{domain}");
        var (exit, _, _) = await RunRaw("send", "hr", "employee.terminated", "--connection", LocalHostFixture.HrConnection, "--employee", employee, "--org", org, "--email", $"ada@{domain}", "--url", host.BaseAddress.ToString(), "--secret", host.HrSecret);
        Assert.Equal(CliApp.Success, exit);
        await ScalekitProcessingTests.Eventually(async () => (await HrEventsAsync(org)).Count(e => e!["status"]!.GetValue<string>() == "processed") == 2);

        // The plan was logged (so the capture works), and nothing the host logged names either address.
        var logged = host.Logs.Entries.Select(e => e.Message).ToList();
        Assert.Contains(logged, message => message.Contains("DRY RUN", StringComparison.Ordinal) && message.Contains(employee, StringComparison.Ordinal) && message.Contains("POST /api/v1/organizations", StringComparison.Ordinal));
        Assert.DoesNotContain(logged, message => message.Contains("@" + domain, StringComparison.OrdinalIgnoreCase));
        Assert.All(await HrEventsAsync(org), e => Assert.DoesNotContain("@" + domain, e!["detail"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Erase_ByTheCli_FollowsTheJobTheHostsListenerRuns_UntilItCompletes()
    {
        // Its own connection and organization, so the other test's events never count here.
        var (org, employee, email) = (LocalHostFixture.OtherHrOrganization, SampleIds.New("E-"), $"{SampleIds.New("grace")}@acme.example");
        await HireAsync(LocalHostFixture.OtherHrConnection, org, employee, email);

        var (exit, output, error) = await Run("erase", "--email", email, "--timeout", "120");

        Assert.True(exit == CliApp.Success, error);
        Assert.Matches(@"Started erasure era_[0-9a-f]+; status: /api/ops/erasure/era_[0-9a-f]+", output);
        Assert.Matches(@"erasure era_[0-9a-f]+ \(by email\): completed", output);
        Assert.Matches(@"Employees\s+1", output);
        Assert.Contains("not searched: logs", output, StringComparison.Ordinal);
        Assert.DoesNotContain(email, output, StringComparison.OrdinalIgnoreCase);
        using var employees = await host.OpsAsync(HttpMethod.Get, $"/api/ops/organizations/{org}/employees");
        Assert.DoesNotContain(email, await employees.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    private async Task HireAsync(string connection, string org, string employee, string email)
    {
        var secret = connection == LocalHostFixture.HrConnection ? host.HrSecret : host.OtherHrSecret;
        var (exit, output, _) = await RunRaw("send", "hr", "employee.hired", "--connection", connection, "--employee", employee, "--org", org, "--email", email, "--url", host.BaseAddress.ToString(), "--secret", secret);
        Assert.Equal(CliApp.Success, exit);
        Assert.StartsWith("201", output, StringComparison.Ordinal);
        await ScalekitProcessingTests.Eventually(async () => (await HrEventsAsync(org)).Any(e => e!["status"]!.GetValue<string>() == "processed"));
    }

    private async Task<JsonArray> HrEventsAsync(string org)
    {
        using var events = await host.OpsAsync(HttpMethod.Get, $"/api/ops/events?source=hr&organizationId={org}");
        Assert.Equal(HttpStatusCode.OK, events.StatusCode);
        return JsonNode.Parse(await events.Content.ReadAsStringAsync())!["items"]!.AsArray();
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
