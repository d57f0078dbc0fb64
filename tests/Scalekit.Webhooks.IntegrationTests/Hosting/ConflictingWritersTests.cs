using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;

namespace Scalekit.Webhooks.IntegrationTests.Hosting;

/// <summary>A local host whose billing plans and CRM enterprise features both give <c>sso</c>.</summary>
public sealed class ConflictingWritersFixture : LocalHostFixture
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["BILLING_PLAN_MAP"] = """{"price_ent":{"plan":"enterprise","features":["sso"]}}""",
        ["CRM_ENTERPRISE_FEATURES"] = "sso",
    };
}

/// <summary>
/// One feature given to two writers: the app runs, billing (the earlier claimant) keeps it, and the stats and the
/// start-up log name both settings.
/// </summary>
public class ConflictingWritersTests(ConflictingWritersFixture host) : IClassFixture<ConflictingWritersFixture>
{
    [Fact]
    public async Task Stats_ReportTheConflictOnTheCrm_NamingBothSettings()
    {
        using var response = await host.OpsAsync(HttpMethod.Get, "/api/ops/stats?window=1h");

        var crm = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["integrations"]!.AsArray().Single(i => i!["name"]!.GetValue<string>() == "crm")!;
        var conflict = Assert.Single(crm["configuration_problems"]!.AsArray())!.GetValue<string>();
        Assert.Contains("'sso'", conflict, StringComparison.Ordinal);
        Assert.Contains("BILLING_PLAN_MAP", conflict, StringComparison.Ordinal);
        Assert.Contains("CRM_ENTERPRISE_FEATURES", conflict, StringComparison.Ordinal);
        Assert.Contains("billing owns it", conflict, StringComparison.Ordinal);
    }

    [Fact]
    public void StartUp_WarnsOfTheConflict()
    {
        Assert.Contains(host.Logs.Entries, entry => entry.Level == LogLevel.Warning
            && entry.Message.Contains("BILLING_PLAN_MAP", StringComparison.Ordinal) && entry.Message.Contains("CRM_ENTERPRISE_FEATURES", StringComparison.Ordinal));
    }
}
