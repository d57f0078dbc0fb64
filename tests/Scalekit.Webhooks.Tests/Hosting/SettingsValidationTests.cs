using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;

namespace Scalekit.Webhooks.Tests.Hosting;

/// <summary>
/// A value out of its range, or one that cannot be read at all, stops start-up with a message naming the setting and
/// what it allows, never the value. (Each options class's own tests hold more of its settings.)
/// </summary>
public class SettingsValidationTests
{
    [Theory]
    [InlineData("EVENT_QUEUE_SHARDS", "17", "EVENT_QUEUE_SHARDS must be a whole number from 1 to 16.")]
    [InlineData("EVENT_QUEUE_SHARDS", "many", "EVENT_QUEUE_SHARDS must be a whole number.")]
    [InlineData("LEDGER_CLAIM_LEASE_SECONDS", "1e300", "LEDGER_CLAIM_LEASE_SECONDS must be a number of seconds.")]
    [InlineData("DEADLETTER_REPLAY_LEASE_SECONDS", "7200", "DEADLETTER_REPLAY_LEASE_SECONDS must be a number of seconds from 1 to 3600.")]
    [InlineData("SCALEKIT_CIRCUIT_BREAK_SECONDS", "0.1", "SCALEKIT_CIRCUIT_BREAK_SECONDS must be a number of seconds from 0.5 to 3600.")]
    [InlineData("SCALEKIT_ENVIRONMENT_ID", "https://acme.scalekit.dev", "SCALEKIT_ENVIRONMENT_ID must be a Scalekit environment id (env_…)")]
    public void Start_BadValue_FailsNamingTheSettingAndWhatItAllows(string setting, string value, string expected)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Validate(new() { [setting] = value }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain($"'{value}'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("acme.scalekit.dev", error.Message, StringComparison.Ordinal);
    }

    /// <summary>An integration's own setting turns off that integration alone: start-up goes on, and the problem names the setting.</summary>
    [Theory]
    [InlineData("STRIPE_API_TIMEOUT_MS", "50", "STRIPE_API_TIMEOUT_MS must be a number of milliseconds from 100 to 300000.")]
    [InlineData("ONBOARDING_MAX_ATTEMPTS", "0", "ONBOARDING_MAX_ATTEMPTS must be a whole number from 1 to 100.")]
    [InlineData("SALESFORCE_RETRY_BASE_DELAY_MS", "0", "SALESFORCE_RETRY_BASE_DELAY_MS must be a number of milliseconds from 1 to 60000.")]
    [InlineData("SALESFORCE_API_VERSION", "latest", "SALESFORCE_API_VERSION must look like v68.0.")]
    [InlineData("BILLING_LATE_LINK_WINDOW_HOURS", "0.00001", "BILLING_LATE_LINK_WINDOW_HOURS must be a number of hours from 0.0001 to 8760.")]
    [InlineData("HR_TERMINATION", "delete-user", "HR_TERMINATION must be 'remove-membership' or 'mark-only'.")]
    [InlineData("CRM_ENTERPRISE_FEATURES", "[\"sso\"", "CRM_ENTERPRISE_FEATURES must be names separated by commas")]
    public void Start_BadIntegrationValue_TurnsOffOnlyThatIntegration(string setting, string value, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [setting] = value }).Build();
        using var provider = new ServiceCollection().AddLogging().AddScalekitWebhooks(configuration).BuildServiceProvider();

        provider.GetRequiredService<IStartupValidator>().Validate();

        var problems = new IIntegrationSettings[]
        {
            provider.GetRequiredService<IOptions<global::Scalekit.Webhooks.Crm.SalesforceOptions>>().Value,
            provider.GetRequiredService<IOptions<global::Scalekit.Webhooks.Stripe.BillingOptions>>().Value,
            provider.GetRequiredService<IOptions<global::Scalekit.Webhooks.Hr.HrOptions>>().Value,
            provider.GetRequiredService<IOptions<global::Scalekit.Webhooks.Onboarding.OnboardingOptions>>().Value,
            provider.GetRequiredService<IOptions<global::Scalekit.Webhooks.Stripe.StripeApiOptions>>().Value,
        }.Select(options => options.Problem).OfType<string>().ToList();
        var problem = Assert.Single(problems);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
        Assert.DoesNotContain($"'{value}'", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("EVENT_QUEUE_SHARDS", "16")]
    [InlineData("STRIPE_API_TIMEOUT_MS", "100")]
    [InlineData("BILLING_LATE_LINK_WINDOW_HOURS", "0.0001")]
    [InlineData("SCALEKIT_CIRCUIT_BREAK_SECONDS", "0.5")]
    [InlineData("SCALEKIT_ENVIRONMENT_ID", "env_12345")]
    public void Start_ValueAtTheEdgeOfItsRange_IsAccepted(string setting, string value) =>
        Validate(new() { [setting] = value });

    [Fact]
    public void Start_SeveralBadValues_AreReportedTogether()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Validate(new() { ["EVENT_QUEUE_SHARDS"] = "0", ["DEADLETTER_REPLAY_LEASE_SECONDS"] = "0" }));

        Assert.Contains("EVENT_QUEUE_SHARDS", error.Message, StringComparison.Ordinal);
        Assert.Contains("DEADLETTER_REPLAY_LEASE_SECONDS", error.Message, StringComparison.Ordinal);
    }

    private static void Validate(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var provider = new ServiceCollection().AddLogging().AddScalekitWebhooks(configuration).BuildServiceProvider();
        try
        {
            provider.GetRequiredService<IStartupValidator>().Validate();
        }
        catch (AggregateException many) when (many.InnerExceptions.All(e => e is OptionsValidationException))
        {
            throw new OptionsValidationException("several", typeof(object), many.InnerExceptions.SelectMany(e => ((OptionsValidationException)e).Failures));
        }
    }
}
