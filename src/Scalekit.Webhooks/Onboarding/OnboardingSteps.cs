using System.Text.Json;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Onboarding;

/// <summary>
/// The five onboarding steps against Scalekit, Salesforce and Stripe, each safe to run again. An onboarding only ever
/// continues with what it created itself: the organization it creates carries its mark (<see cref="MarkerKey"/> names
/// the onboarding), so after a lost answer (a 5xx, a timeout, a 409 on the create) the step looks the organization up
/// by external id and goes on when the mark is its own. An organization, Salesforce account or Stripe customer that
/// belongs to another organization is refused (<see cref="OnboardingStepResult.Refused"/>), with nothing written. A
/// step whose system is not configured is skipped with why. Outages are thrown; <see cref="Classify"/> tells a
/// permanent API refusal from one worth retrying. The steps themselves are in <c>OnboardingSteps.*.cs</c>: the
/// organization (and its completion), the admin user, and the Salesforce account and Stripe customer.
/// </summary>
public sealed partial class OnboardingSteps(
    ScalekitClient scalekit,
    ScalekitUserClient scalekitUsers,
    AccountLinks accountLinks,
    SalesforceClient salesforce,
    StripeCustomerMetadata stripeCustomers,
    IOptions<ScalekitOptions> scalekitOptions,
    IOptions<SalesforceOptions> salesforceOptions,
    IOptions<StripeApiOptions> stripeOptions,
    Ownership ownership)
{
    /// <summary>
    /// The organization metadata key the onboarding owns: its status and its id (<c>in_progress onb_…</c>), which is how
    /// a later run knows the organization is its own. The plan is billing's and the Stripe customer is the external id,
    /// so neither is repeated in metadata; the Salesforce account link (<see cref="CrmOptions.AccountIdKey"/>) is set
    /// when the request names one and is never removed by the onboarding (a person may set it to link a customer).
    /// </summary>
    public const string MarkerKey = "onboarding";

    /// <summary>Keys earlier versions of the onboarding wrote; its next write removes them.</summary>
    public static readonly IReadOnlyList<string> FormerKeys = ["onboarding_status", "stripe_customer_id"];

    /// <summary>The Stripe customer metadata key that names the customer's Scalekit organization.</summary>
    public const string StripeOrganizationKey = StripeCustomerMetadata.OrganizationKey;

    public const string OrganizationIdField = "Scalekit_Organization_ID__c";
    public const string AdminUserIdField = "Scalekit_Admin_User_ID__c";
    public const string StatusField = "Onboarding_Status__c";
    public const string AdminRole = "admin";

    /// <summary>The Stripe customer metadata key with the admin user's id.</summary>
    public const string StripeAdminUserKey = "scalekit_admin_user_id";

    /// <summary>
    /// Onboarding's part of the ownership table, fixed (no setting renames it), so it is claimed first: its mark (and
    /// the keys earlier versions wrote, removed on its next write), the account link it sets and never removes, and
    /// the Salesforce fields and Stripe customer metadata it writes.
    /// </summary>
    public static IEnumerable<OwnershipClaim> Claims()
    {
        const string BuiltIn = "onboarding's built-in keys";
        yield return new OwnershipClaim(FactKind.OrganizationMetadata, MarkerKey, FactWriter.Onboarding, BuiltIn);
        yield return new OwnershipClaim(FactKind.OrganizationMetadata, CrmOptions.AccountIdKey, FactWriter.Onboarding, BuiltIn, FactUse.SetOnly);
        foreach (var key in FormerKeys)
        {
            yield return new OwnershipClaim(FactKind.OrganizationMetadata, key, FactWriter.Onboarding, BuiltIn, FactUse.Former);
        }

        foreach (var field in new[] { OrganizationIdField, AdminUserIdField, StatusField })
        {
            yield return new OwnershipClaim(FactKind.SalesforceField, field, FactWriter.Onboarding, BuiltIn);
        }

        yield return new OwnershipClaim(FactKind.StripeCustomerMetadata, StripeOrganizationKey, FactWriter.Onboarding, BuiltIn);
        yield return new OwnershipClaim(FactKind.StripeCustomerMetadata, StripeAdminUserKey, FactWriter.Onboarding, BuiltIn);
    }

    /// <summary>
    /// Before anything is recorded or written: refuses a request whose Stripe customer already has an organization this
    /// onboarding did not create, whose Salesforce account is linked to another organization, or whose Stripe customer
    /// names another organization. <paramref name="existing"/> is this customer's earlier onboarding, if any. A system
    /// that cannot be asked now (not configured, an outage) is left to its step, which checks again before it writes.
    /// </summary>
    public async Task<OnboardingStepResult?> CheckOwnershipAsync(OnboardingRequest request, OnboardingRecord? existing, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var record = existing ?? OnboardingRecord.Start(request, DateTimeOffset.UnixEpoch);
        try
        {
            string? own = record.OrganizationId;
            if (scalekitOptions.Value.IsConfigured
                && await scalekit.FindByExternalIdAsync(request.StripeCustomerId, cancellationToken).ConfigureAwait(false) is { } organization)
            {
                if (!IsOwn(organization, record))
                {
                    return OnboardingStepResult.Refused(OnboardingRefusal.OrganizationExists, OrganizationExistsDetail(organization.Id, request.StripeCustomerId));
                }

                own = organization.Id;
            }

            if (await AccountRefusalAsync(request, own, cancellationToken).ConfigureAwait(false) is { } refused)
            {
                return refused;
            }

            if (stripeOptions.Value.IsConfigured
                && await stripeCustomers.FindOrganizationIdAsync(request.StripeCustomerId, cancellationToken).ConfigureAwait(false) is { } named && named != own)
            {
                return OnboardingStepResult.Refused(OnboardingRefusal.CustomerLinkedElsewhere, CustomerLinkedElsewhereDetail(request.StripeCustomerId, named));
            }

            return null;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Runs <paramref name="step"/> of <paramref name="record"/>; throws when it fails (see <see cref="Classify"/>).</summary>
    public Task<OnboardingStepResult> RunAsync(OnboardingStep step, OnboardingRecord record, CancellationToken cancellationToken = default) => step switch
    {
        OnboardingStep.Organization => OrganizationAsync(record, cancellationToken),
        OnboardingStep.AdminUser => AdminUserAsync(record, cancellationToken),
        OnboardingStep.SalesforceAccount => SalesforceAccountAsync(record, cancellationToken),
        OnboardingStep.StripeCustomer => StripeCustomerAsync(record, cancellationToken),
        _ => CompletionAsync(record, cancellationToken),
    };

    /// <summary>Whether this onboarding made <paramref name="organization"/>: it remembered its id, or the organization carries its mark.</summary>
    public static bool IsOwn(ScalekitOrganization organization, OnboardingRecord record)
    {
        ArgumentNullException.ThrowIfNull(organization);
        ArgumentNullException.ThrowIfNull(record);
        return organization.Id == record.OrganizationId
            || (organization.Metadata.TryGetValue(MarkerKey, out var marker) && MarkedBy(marker) == record.Id);
    }

    /// <summary>The <see cref="MarkerKey"/> value: the onboarding's status, then its id.</summary>
    public static string Marker(string status, string onboardingId) => $"{status} {onboardingId}";

    private static string? MarkedBy(string marker) => marker.LastIndexOf(' ') is var space and >= 0 ? marker[(space + 1)..] : null;

    public static string OrganizationExistsDetail(string organizationId, string externalId) =>
        $"organization {organizationId} already has external id {externalId} and was not created by this onboarding; nothing was written. Link the existing customer instead (docs/onboarding.md).";

    /// <summary>A create that failed without a clear "no": a server error, a timeout, a conflict or an unreadable answer.</summary>
    private static bool IsLostCreate(Exception exception, CancellationToken cancellationToken) => !cancellationToken.IsCancellationRequested && exception switch
    {
        ScalekitMalformedAnswerException => true,
        ScalekitApiException api => api.IsTransient || api.StatusCode == System.Net.HttpStatusCode.Conflict,
        HttpRequestException or TimeoutException or OperationCanceledException or Polly.Timeout.TimeoutRejectedException => true,
        _ => false,
    };

    /// <summary>Refuses the request's Salesforce account when it is linked to an organization other than <paramref name="organizationId"/>.</summary>
    private async Task<OnboardingStepResult?> AccountRefusalAsync(OnboardingRequest request, string? organizationId, CancellationToken cancellationToken) =>
        request.SalesforceAccountId is { } account && await AccountLinkedElsewhereAsync(account, organizationId, cancellationToken).ConfigureAwait(false) is { } other
            ? OnboardingStepResult.Refused(OnboardingRefusal.AccountLinkedElsewhere, AccountLinkedElsewhereDetail(account, other))
            : null;

    /// <summary>
    /// The organization <paramref name="account"/> is linked to when that is not <paramref name="organizationId"/>
    /// (null when <paramref name="organizationId"/> is null: then any link is another's): the CRM's link table first,
    /// then the account's own <see cref="OrganizationIdField"/>.
    /// </summary>
    public async Task<string?> AccountLinkedElsewhereAsync(string account, string? organizationId, CancellationToken cancellationToken = default)
    {
        if (await accountLinks.FindOrganizationAsync(account, cancellationToken).ConfigureAwait(false) is { } linked && linked != organizationId)
        {
            return linked;
        }

        if (SalesforceSkipReason() is not null)
        {
            return null;
        }

        var record = await salesforce.GetAsync("Account", account, [OrganizationIdField], cancellationToken).ConfigureAwait(false);
        return record is not null && record.Fields.ValueKind == JsonValueKind.Object
            && record.Fields.TryGetProperty(OrganizationIdField, out var field) && field.ValueKind == JsonValueKind.String
            && field.GetString() is { Length: > 0 } named && named != organizationId
            ? named
            : null;
    }

    public static string AccountLinkedElsewhereDetail(string account, string organizationId) =>
        $"Salesforce account {account} is linked to organization {organizationId}; nothing was written. Unlink it there first, or onboard without salesforce_account_id.";

    public static string CustomerLinkedElsewhereDetail(string customerId, string organizationId) =>
        $"Stripe customer {customerId} names organization {organizationId} in its metadata ({StripeOrganizationKey}); nothing was written. Link the existing customer instead (docs/onboarding.md).";

    private string? SalesforceSkipReason()
    {
        var options = salesforceOptions.Value;
        return options.IsConfigured ? null : options.Problem
            ?? $"Salesforce is not configured ({SalesforceOptions.InstanceUrlSetting}, {SalesforceOptions.ClientIdSetting}, {SalesforceOptions.ClientSecretSetting}).";
    }

    /// <summary>Whether an API failure is one no retry can change (then the step is refused with it), and what to tell the operator.</summary>
    public static (bool Permanent, string Reason) Classify(Exception exception) => exception switch
    {
        // A create whose answer cannot be read may have happened: the retry looks the organization or user up first.
        ScalekitMalformedAnswerException malformed => (false, $"unreadable answer: {malformed.Message}"),
        ScalekitApiException scalekit => (!scalekit.IsTransient, scalekit.Message),
        // An exhausted API allocation recovers within the day: retried like an outage.
        SalesforceApiException salesforce => (!salesforce.IsTransient && !salesforce.IsLimitExceeded, salesforce.Message),
        StripeWriteException stripe => (!stripe.IsTransient, stripe.Message),
        JsonException or FormatException or KeyNotFoundException => (false, $"unreadable answer: {exception.Message}"),
        _ => (false, $"{exception.GetType().Name}: {exception.Message}"),
    };
}
