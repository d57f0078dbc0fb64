using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Onboarding;

namespace Scalekit.Webhooks.Tests.Onboarding;

public class OnboardingRequestTests
{
    [Fact]
    public void Parse_TrimsTheFields_AndLeavesTheAccountOut_WhenNull()
    {
        var parsed = Parse("""{"company_name": " Acme ", "admin_email": "admin@acme.example", "plan_type": "pro", "stripe_customer_id": "cus_N1", "salesforce_account_id": null}""");

        Assert.Equal(new OnboardingRequest("Acme", "admin@acme.example", "pro", "cus_N1", null), parsed.Request);
        Assert.Equal("cus_N1_admin", parsed.Request!.AdminExternalId);
    }

    [Theory]
    [InlineData("001000000000001", true)]
    [InlineData("001000000000001AAA", true)]
    [InlineData("0010000000000", false)]
    [InlineData("003000000000001", false)]
    [InlineData("001000000000001AA", false)]
    [InlineData("", false)]
    public void Parse_AcceptsOnlyAccountIds(string account, bool accepted)
    {
        var parsed = Parse($$"""{"company_name": "Acme", "admin_email": "admin@acme.example", "plan_type": "pro", "stripe_customer_id": "cus_N1", "salesforce_account_id": "{{account}}"}""");

        Assert.Equal(accepted, parsed.Request is not null);
        Assert.Equal(accepted ? null : "salesforce_account_id", parsed.Field);
    }

    [Theory]
    [InlineData("admin@localhost")]
    [InlineData("Admin <admin@acme.example>")]
    [InlineData("admin@acme.example extra")]
    public void Parse_RefusesWhatIsNotAPlainAddress(string email)
    {
        var parsed = Parse($$"""{"company_name": "Acme", "admin_email": "{{email}}", "plan_type": "pro", "stripe_customer_id": "cus_N1"}""");

        Assert.Equal("admin_email", parsed.Field);
    }

    [Fact]
    public void Parse_RefusesAPlanTooLongForOrganizationMetadata()
    {
        var parsed = Parse($$"""{"company_name": "Acme", "admin_email": "admin@acme.example", "plan_type": "{{new string('p', 257)}}", "stripe_customer_id": "cus_N1"}""");

        Assert.Equal("plan_type", parsed.Field);
        Assert.Contains("256", parsed.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void IdFor_IsTheSameForOneCustomer_AndDiffersBetweenCustomers()
    {
        Assert.Equal(OnboardingRecord.IdFor("cus_A"), OnboardingRecord.IdFor("cus_A"));
        Assert.NotEqual(OnboardingRecord.IdFor("cus_A"), OnboardingRecord.IdFor("cus_B"));
        Assert.Matches("^onb_[0-9a-f]{24}$", OnboardingRecord.IdFor("cus_A"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("many")]
    public void MaxAttemptsOutOfRange_TurnsOnlyOnboardingOff_NamingTheSetting(string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [OnboardingOptions.MaxAttemptsSetting] = value }).Build();
        using var services = new ServiceCollection().AddLogging().AddScalekitWebhooks(configuration).BuildServiceProvider();

        var problem = services.GetRequiredService<IOptions<OnboardingOptions>>().Value.Problem;

        Assert.Contains(OnboardingOptions.MaxAttemptsSetting, problem, StringComparison.Ordinal);
    }

    private static OnboardingRequestParse Parse(string json) => OnboardingRequest.Parse(JsonDocument.Parse(json).RootElement);
}
