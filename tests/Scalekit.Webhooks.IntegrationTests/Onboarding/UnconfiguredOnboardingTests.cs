namespace Scalekit.Webhooks.IntegrationTests.Onboarding;

/// <summary>Only Scalekit is configured: no Salesforce connection, no Stripe API key.</summary>
public sealed class ScalekitOnlyOnboardingFixture : OnboardingFixture
{
    protected override bool SalesforceAndStripeConfigured => false;
}

public class UnconfiguredOnboardingTests(ScalekitOnlyOnboardingFixture host) : OnboardingTestBase(host), IClassFixture<ScalekitOnlyOnboardingFixture>
{
    [Fact]
    public async Task SystemsThatAreNotConfigured_AreSkipped_NamingTheirSettings_AndTheOnboardingCompletes()
    {
        var id = await StartAsync();

        await RunNextAsync();

        var status = await StatusAsync(id);
        Assert.Equal("completed", status.GetProperty("status").GetString());
        Assert.Equal("done", Step(status, "organization").GetProperty("status").GetString());
        Assert.Equal("done", Step(status, "admin_user").GetProperty("status").GetString());
        var salesforce = Step(status, "salesforce_account");
        Assert.Equal("skipped", salesforce.GetProperty("status").GetString());
        Assert.Contains("SALESFORCE_INSTANCE_URL", salesforce.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var stripe = Step(status, "stripe_customer");
        Assert.Equal("skipped", stripe.GetProperty("status").GetString());
        Assert.Contains("STRIPE_API_KEY", stripe.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("done", Step(status, "completion").GetProperty("status").GetString());
        Assert.Empty(Salesforce.LogEntries);
        Assert.Empty(Stripe.LogEntries);
        Assert.Single(Calls(Scalekit, "POST", OrganizationsPath));
    }
}
