namespace Scalekit.Webhooks.Onboarding;

/// <summary>How a step ended: done (with what it did and the ids it made), skipped (with why) or refused (why no retry can help).</summary>
public sealed record OnboardingStepResult(string Status, string Detail, string? OrganizationId, string? AdminUserId, OnboardingRefusal? Refusal = null)
{
    public static OnboardingStepResult Done(string detail, string? organizationId = null, string? adminUserId = null) => new(OnboardingStatus.Done, detail, organizationId, adminUserId);

    public static OnboardingStepResult Skipped(string why) => new(OnboardingStatus.Skipped, why, null, null);

    /// <summary>The step can never succeed as things are (another organization's customer, a metadata limit); it fails the onboarding.</summary>
    public static OnboardingStepResult Refused(OnboardingRefusal reason, string detail) => new(OnboardingStatus.Failed, detail, null, null, reason);
}

/// <summary>Why an onboarding was refused; <see cref="OnboardingRefusals.Code"/> is the API's <c>reason</c>.</summary>
public enum OnboardingRefusal
{
    /// <summary>An organization with the Stripe customer's external id exists and this onboarding did not create it.</summary>
    OrganizationExists,

    /// <summary>The Salesforce account is linked to another organization.</summary>
    AccountLinkedElsewhere,

    /// <summary>The Stripe customer's metadata names another organization.</summary>
    CustomerLinkedElsewhere,

    /// <summary>A user with the admin email exists with another external id.</summary>
    UserExists,

    /// <summary>The organization's metadata has no room for the onboarding's key.</summary>
    MetadataOverBudget,

    /// <summary>The organization the onboarding created was deleted.</summary>
    OrganizationGone,
}

public static class OnboardingRefusals
{
    /// <summary>The snake_case code the API and the onboarding's reason use.</summary>
    public static string Code(this OnboardingRefusal refusal) => refusal switch
    {
        OnboardingRefusal.OrganizationExists => "organization_exists",
        OnboardingRefusal.AccountLinkedElsewhere => "account_linked_elsewhere",
        OnboardingRefusal.CustomerLinkedElsewhere => "customer_linked_elsewhere",
        OnboardingRefusal.UserExists => "user_exists",
        OnboardingRefusal.MetadataOverBudget => "metadata_over_budget",
        _ => "organization_gone",
    };
}
