namespace Scalekit.Webhooks.Onboarding;

/// <summary>The steps of an onboarding, in the order they run.</summary>
public enum OnboardingStep
{
    /// <summary>The Scalekit organization, external id = the Stripe customer id.</summary>
    Organization,

    /// <summary>The admin user with a membership (role <c>admin</c>, external id <c>{stripe_customer_id}_admin</c>).</summary>
    AdminUser,

    /// <summary>The Scalekit ids on the Salesforce account.</summary>
    SalesforceAccount,

    /// <summary>The Scalekit ids in the Stripe customer's metadata.</summary>
    StripeCustomer,

    /// <summary><c>onboarding_status=completed</c> on the organization (and on the account).</summary>
    Completion,
}

/// <summary>Values of an onboarding's status and of each step's status.</summary>
public static class OnboardingStatus
{
    /// <summary>The onboarding still has steps to run (or to retry).</summary>
    public const string Running = "running";

    /// <summary>Every step is done or skipped.</summary>
    public const string Completed = "completed";

    /// <summary>A step can never succeed as things are; <see cref="OnboardingRecord.Reason"/> says why.</summary>
    public const string Failed = "failed";

    /// <summary>A step that has not succeeded yet (it may have failed transiently and wait for its retry).</summary>
    public const string Pending = "pending";

    public const string Done = "done";

    /// <summary>The step's system is not configured, or the request gave it nothing to do; the detail says which.</summary>
    public const string Skipped = "skipped";

    public static string Name(this OnboardingStep step) => step switch
    {
        OnboardingStep.Organization => "organization",
        OnboardingStep.AdminUser => "admin_user",
        OnboardingStep.SalesforceAccount => "salesforce_account",
        OnboardingStep.StripeCustomer => "stripe_customer",
        _ => "completion",
    };
}

/// <summary>Where one step stands: its status, what it did or why it was skipped, its attempts and its last error.</summary>
public sealed record OnboardingStepState(OnboardingStep Step, string Status, string? Detail, int Attempts, string? LastError, DateTimeOffset? UpdatedAt)
{
    public bool IsFinished => Status is OnboardingStatus.Done or OnboardingStatus.Skipped;

    public static OnboardingStepState Pending(OnboardingStep step) => new(step, OnboardingStatus.Pending, null, 0, null, null);
}

/// <summary>One customer's onboarding: what was asked, the ids it made, and every step's state.</summary>
public sealed record OnboardingRecord(
    string Id,
    OnboardingRequest Request,
    string Status,
    string? Reason,
    string? OrganizationId,
    string? AdminUserId,
    IReadOnlyList<OnboardingStepState> Steps,
    DateTimeOffset StartedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? CompletedAt)
{
    public OnboardingStepState this[OnboardingStep step] => Steps.Single(s => s.Step == step);

    public OnboardingRecord With(OnboardingStepState state, DateTimeOffset at) =>
        this with { Steps = [.. Steps.Select(s => s.Step == state.Step ? state with { UpdatedAt = at } : s)], UpdatedAt = at };

    /// <summary>A new onboarding: every step pending.</summary>
    public static OnboardingRecord Start(OnboardingRequest request, DateTimeOffset at) => new(
        IdFor(request.StripeCustomerId), request, OnboardingStatus.Running, null, null, null,
        [.. Enum.GetValues<OnboardingStep>().Select(OnboardingStepState.Pending)], at, at, null);

    /// <summary>
    /// The onboarding id of a Stripe customer: derived from the customer id, so one customer has one onboarding however
    /// often it is requested.
    /// </summary>
    public static string IdFor(string stripeCustomerId) =>
        "onb_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(stripeCustomerId)))[..24];
}
