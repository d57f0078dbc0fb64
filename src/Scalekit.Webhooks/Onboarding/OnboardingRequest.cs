using System.Net.Mail;
using System.Text.Json;
using System.Text.RegularExpressions;
using Scalekit.Webhooks.ScalekitApi;

namespace Scalekit.Webhooks.Onboarding;

/// <summary>What an onboarding is asked to set up: the company, its admin, its plan, its Stripe customer and (optionally) its Salesforce account.</summary>
public sealed partial record OnboardingRequest(string CompanyName, string AdminEmail, string PlanType, string StripeCustomerId, string? SalesforceAccountId)
{
    public const int MaxCompanyNameLength = 255;

    /// <summary>The admin user's external id in Scalekit.</summary>
    public string AdminExternalId => StripeCustomerId + "_admin";

    /// <summary>
    /// Reads <c>{company_name, admin_email, plan_type, stripe_customer_id, salesforce_account_id?}</c>. A refusal names
    /// the field that is wrong and says what it must be.
    /// </summary>
    public static OnboardingRequestParse Parse(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return OnboardingRequestParse.Refuse("body", "The body must be a JSON object with company_name, admin_email, plan_type, stripe_customer_id and optionally salesforce_account_id.");
        }

        string? Read(string name) => body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString()!.Trim() is { Length: > 0 } text ? text : null;

        var company = Read("company_name");
        if (company is null || company.Length > MaxCompanyNameLength)
        {
            return OnboardingRequestParse.Refuse("company_name", $"company_name must be a string of 1 to {MaxCompanyNameLength} characters.");
        }

        var email = Read("admin_email");
        if (email is null || email.Length > 254 || !MailAddress.TryCreate(email, out var address) || address.Address != email || !address.Host.Contains('.', StringComparison.Ordinal))
        {
            return OnboardingRequestParse.Refuse("admin_email", "admin_email must be an email address such as admin@example.com.");
        }

        var plan = Read("plan_type");
        if (plan is null || plan.Length > MetadataBudget.MaxValueLength)
        {
            return OnboardingRequestParse.Refuse("plan_type", $"plan_type must be a string of 1 to {MetadataBudget.MaxValueLength} characters (it becomes organization metadata).");
        }

        var customer = Read("stripe_customer_id");
        if (customer is null || !CustomerIdPattern().IsMatch(customer))
        {
            return OnboardingRequestParse.Refuse("stripe_customer_id", "stripe_customer_id must be a Stripe customer id (cus_ followed by letters and digits, at most 200 characters).");
        }

        string? account = null;
        if (body.TryGetProperty("salesforce_account_id", out var given) && given.ValueKind is not JsonValueKind.Null)
        {
            account = Read("salesforce_account_id");
            if (account is null || !AccountIdPattern().IsMatch(account))
            {
                return OnboardingRequestParse.Refuse("salesforce_account_id", "salesforce_account_id must be a Salesforce Account id (15 or 18 letters and digits starting with 001), or left out.");
            }
        }

        return new OnboardingRequestParse(new OnboardingRequest(company, email, plan, customer, account), null, null);
    }

    [GeneratedRegex("^cus_[A-Za-z0-9]{1,196}$")]
    private static partial Regex CustomerIdPattern();

    [GeneratedRegex("^001[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$")]
    private static partial Regex AccountIdPattern();
}

/// <summary>A parsed request, or the field that is wrong and why.</summary>
public sealed record OnboardingRequestParse(OnboardingRequest? Request, string? Field, string? Problem)
{
    public static OnboardingRequestParse Refuse(string field, string problem) => new(null, field, problem);
}
