using System.Text.Json;
using System.Text.RegularExpressions;
using Scalekit.Webhooks.Cli;
using Scalekit.Webhooks.IntegrationTests.Hr;

namespace Scalekit.Webhooks.IntegrationTests.Cli;

/// <summary><c>hr connections list|create|rotate|delete</c> against the real local host.</summary>
public partial class CliHrConnectionsTests(HrConnectionsFixture host) : IClassFixture<HrConnectionsFixture>
{
    [Fact]
    public async Task Create_PrintsTheSecretOnce_List_ShowsIt_Rotate_ChangesIt_Delete_RemovesIt()
    {
        var created = await Run("hr", "connections", "create", "--organization", "org_cli_1");
        Assert.Equal(CliApp.Success, created.Exit);
        var id = ConnectionId().Match(created.Output).Value;
        var secret = Secret().Match(created.Output).Value;
        Assert.NotEmpty(id);
        Assert.NotEmpty(secret);
        Assert.Contains("shown once", created.Output, StringComparison.Ordinal);

        var listed = await Run("hr", "connections", "list");
        Assert.Equal(CliApp.Success, listed.Exit);
        Assert.Contains(id, listed.Output, StringComparison.Ordinal);
        Assert.Contains("settings", listed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, listed.Output, StringComparison.Ordinal);

        var rotated = await Run("hr", "connections", "rotate", id);
        Assert.Equal(CliApp.Success, rotated.Exit);
        Assert.NotEqual(secret, Secret().Match(rotated.Output).Value);
        Assert.Contains("previous accepted until", rotated.Output, StringComparison.Ordinal);

        var deleted = await Run("hr", "connections", "delete", id);
        Assert.Equal(CliApp.Success, deleted.Exit);
        var again = await Run("hr", "connections", "delete", id);
        Assert.Equal(CliApp.Refused, again.Exit);
        Assert.Contains("404", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateBambooHr_SendsItsFields_AndAMissingOneIsRefusedNamingIt()
    {
        var refused = await Run("hr", "connections", "create", "--organization", "org_cli_2", "--provider", "bamboohr", "--company-domain", "acme", "--api-key", "k-1");
        var made = await Run("hr", "connections", "create", "--organization", "org_cli_2", "--provider", "bamboohr", "--company-domain", "acme", "--api-key", "k-1", "--webhook-private-key", "p-1", "--json");

        Assert.Equal(CliApp.Refused, refused.Exit);
        Assert.Contains("webhook_private_key", refused.Error, StringComparison.Ordinal);
        Assert.Equal(CliApp.Success, made.Exit);
        var json = JsonDocument.Parse(made.Output).RootElement;
        Assert.Equal("acme", json.GetProperty("company_domain").GetString());
        Assert.DoesNotContain("p-1", made.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendOnAStoredBambooHrConnection_ShapesAndSignsLikeBambooHr_FromWhatTheOperationsApiSaysOfIt()
    {
        var made = await Run("hr", "connections", "create", "--organization", "org_cli_3", "--provider", "bamboohr", "--company-domain", "acme", "--company-id", "4242", "--api-key", "k-3", "--webhook-private-key", "p-3", "--json");
        var id = JsonDocument.Parse(made.Output).RootElement.GetProperty("id").GetString()!;

        var sent = await Run("send", "hr", "employee.updated", "--connection", id, "--secret", "p-3");
        var wrongKey = await Run("send", "hr", "employee.updated", "--connection", id, "--secret", "not-the-key");

        Assert.Equal(CliApp.Success, sent.Exit);
        Assert.StartsWith("201", sent.Output, StringComparison.Ordinal);
        Assert.Equal(CliApp.Refused, wrongKey.Exit);
        Assert.Contains("X-BambooHR-Signature", wrongKey.Output, StringComparison.Ordinal);
    }

    private async Task<(int Exit, string Output, string Error)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliApp.RunAsync([.. args, "--url", host.BaseAddress.ToString(), "--key", host.OpsKey], output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [GeneratedRegex("hrc_[a-z2-7]{20}")]
    private static partial Regex ConnectionId();

    [GeneratedRegex(@"whsec_[A-Za-z0-9+/=]+")]
    private static partial Regex Secret();
}
