using Scalekit.Webhooks.Cli;
using Scalekit.Webhooks.IntegrationTests.Onboarding;

namespace Scalekit.Webhooks.IntegrationTests.Cli;

/// <summary>A host that consumes the onboarding-steps queue itself, as it runs for an operator.</summary>
public sealed class ConsumingOnboardingFixture : OnboardingFixture
{
    protected override bool QueueTriggersEnabled => true;
}

public class CliOnboardingTests(ConsumingOnboardingFixture host) : OnboardingTestBase(host), IClassFixture<ConsumingOnboardingFixture>
{
    [Fact]
    public async Task Onboard_StartsOne_FollowsItThroughTheQueue_AndPrintsEveryStep()
    {
        var (exit, output, error) = await Run("onboard", "--company", "Acme Corp", "--admin-email", "admin@acme.example", "--plan", "enterprise",
            "--stripe-customer", Customer, "--salesforce-account", Account, "--timeout", "120");

        Assert.True(exit == CliApp.Success, error);
        Assert.Contains("Started onboarding onb_", output, StringComparison.Ordinal);
        Assert.Contains($"organization: done (created organization {Organization}", output, StringComparison.Ordinal);
        Assert.Contains("stripe_customer: done", output, StringComparison.Ordinal);
        Assert.Matches(@"onboarding onb_\w+: completed", output);

        var id = System.Text.RegularExpressions.Regex.Match(output, @"onb_[0-9a-f]+").Value;
        var (showExit, shown, _) = await Run("onboarding", id);
        Assert.Equal(CliApp.Success, showExit);
        Assert.Matches(@"salesforce_account\s+done", shown);
        Assert.Contains(AdminUser, shown, StringComparison.Ordinal);
        var (listExit, listed, _) = await Run("onboardings", "--status", "completed");
        Assert.Equal(CliApp.Success, listExit);
        Assert.Matches($@"{id}\s+{Customer}\s+completed\s+{Organization}", listed);

        var (again, repeated, _) = await Run("onboard", "--company", "Acme Corp", "--admin-email", "admin@acme.example", "--plan", "enterprise", "--stripe-customer", Customer);
        Assert.Equal(CliApp.Success, again);
        Assert.Contains($"already has onboarding {id} (completed)", repeated, StringComparison.Ordinal);
        Assert.Single(Calls(Scalekit, "POST", OrganizationsPath));
    }

    [Fact]
    public async Task Onboard_ThatFails_ExitsRefused_WithTheReason_AndABadFieldIsRefusedAtOnce()
    {
        Scalekit.Given(WireMock.RequestBuilders.Request.Create().WithPath(OrganizationsPath).UsingPost()).AtPriority(Override)
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(403).WithBodyAsJson(new { code = 7, message = "permission denied" }));

        var (exit, output, _) = await Run("onboard", "--company", "Acme Corp", "--admin-email", "admin@acme.example", "--plan", "enterprise", "--stripe-customer", Customer, "--timeout", "120");
        Assert.Equal(CliApp.Refused, exit);
        Assert.Contains("reason: organization: Scalekit API 403", output, StringComparison.Ordinal);

        var (bad, _, error) = await Run("onboard", "--company", "Acme Corp", "--admin-email", "nobody", "--plan", "enterprise", "--stripe-customer", Customer);
        Assert.Equal(CliApp.Refused, bad);
        Assert.Contains("admin_email", error, StringComparison.Ordinal);
        Assert.Equal(CliApp.Refused, (await Run("onboarding", "onb_not_there")).Exit);
    }

    private Task<(int Exit, string Output, string Error)> Run(params string[] args) => RunRaw([.. args, "--url", Host.BaseAddress.ToString(), "--key", Host.OpsKey]);

    private static async Task<(int Exit, string Output, string Error)> RunRaw(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliApp.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
