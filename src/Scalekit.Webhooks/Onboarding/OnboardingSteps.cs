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
/// permanent API refusal from one worth retrying.
/// </summary>
public sealed class OnboardingSteps(
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

    private async Task<OnboardingStepResult> OrganizationAsync(OnboardingRecord record, CancellationToken cancellationToken)
    {
        var options = scalekitOptions.Value;
        if (!options.IsConfigured)
        {
            return OnboardingStepResult.Skipped(options.CredentialsProblem
                ?? $"Scalekit API access is not configured ({ScalekitOptions.EnvironmentUrlSetting}, {ScalekitOptions.ClientIdSetting}, {ScalekitOptions.ClientSecretSetting}).");
        }

        var request = record.Request;
        var desired = new Dictionary<string, string>(StringComparer.Ordinal) { [MarkerKey] = Marker("in_progress", record.Id) };
        if (request.SalesforceAccountId is { } account)
        {
            desired[CrmOptions.AccountIdKey] = account;
        }

        if (await scalekit.FindByExternalIdAsync(request.StripeCustomerId, cancellationToken).ConfigureAwait(false) is { } found)
        {
            return await ContinueWithAsync(found, record, desired, "found", cancellationToken).ConfigureAwait(false);
        }

        if (MetadataBudget.Validate(desired) is { } problem)
        {
            return OnboardingStepResult.Refused(OnboardingRefusal.MetadataOverBudget, problem);
        }

        if (await AccountRefusalAsync(request, null, cancellationToken).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        ScalekitOrganization created;
        try
        {
            created = await scalekit.CreateAsync(request.CompanyName, request.StripeCustomerId, desired, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsLostCreate(ex, cancellationToken))
        {
            // The create may have been applied (its answer lost, or an earlier attempt's): whatever holds the
            // external id now decides, and it is ours only when it carries this onboarding's mark.
            var after = await scalekit.FindByExternalIdAsync(request.StripeCustomerId, cancellationToken).ConfigureAwait(false);
            if (after is null)
            {
                throw;
            }

            return await ContinueWithAsync(after, record, desired, "found after a lost create answer", cancellationToken).ConfigureAwait(false);
        }

        return OnboardingStepResult.Done($"created organization {created.Id} with external id {request.StripeCustomerId}{await LinkAsync(created.Id, request, cancellationToken).ConfigureAwait(false)}", created.Id);
    }

    /// <summary>Goes on with an organization found by external id when this onboarding made it; refuses anyone else's.</summary>
    private async Task<OnboardingStepResult> ContinueWithAsync(ScalekitOrganization organization, OnboardingRecord record, Dictionary<string, string> desired, string how, CancellationToken cancellationToken)
    {
        if (!IsOwn(organization, record))
        {
            return OnboardingStepResult.Refused(OnboardingRefusal.OrganizationExists, OrganizationExistsDetail(organization.Id, record.Request.StripeCustomerId));
        }

        if (await AccountRefusalAsync(record.Request, organization.Id, cancellationToken).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        var merge = MetadataBudget.Merge(organization.Metadata, ownership.RemovableKeys(FactWriter.Onboarding), desired, "onboarding");
        if (!merge.Fits)
        {
            return OnboardingStepResult.Refused(OnboardingRefusal.MetadataOverBudget, merge.Refusal!);
        }

        if (merge.Changed)
        {
            await scalekit.UpdateMetadataAsync(organization.Id, merge.Metadata, $"{record.Id}-organization", cancellationToken).ConfigureAwait(false);
        }

        return OnboardingStepResult.Done($"{how} organization {organization.Id} (made by this onboarding) by external id {record.Request.StripeCustomerId}{(merge.Changed ? "; metadata set" : string.Empty)}{await LinkAsync(organization.Id, record.Request, cancellationToken).ConfigureAwait(false)}", organization.Id);
    }

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

    /// <summary>Links the organization to the request's Salesforce account for the CRM sync (as its metadata says too).</summary>
    private async Task<string> LinkAsync(string organizationId, OnboardingRequest request, CancellationToken cancellationToken)
    {
        if (request.SalesforceAccountId is not { } account)
        {
            return string.Empty;
        }

        await accountLinks.LinkAsync(organizationId, account, cancellationToken).ConfigureAwait(false);
        return $"; linked to Salesforce account {account}";
    }

    private async Task<OnboardingStepResult> AdminUserAsync(OnboardingRecord record, CancellationToken cancellationToken)
    {
        if (record.OrganizationId is not { } organizationId)
        {
            return OnboardingStepResult.Skipped("there is no Scalekit organization (the organization step was skipped).");
        }

        var request = record.Request;
        var user = await scalekitUsers.FindUserByExternalIdAsync(request.AdminExternalId, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            try
            {
                var created = await scalekitUsers.CreateUserAsync(organizationId, new ScalekitNewUser(request.AdminEmail, request.AdminExternalId, new Dictionary<string, string>(), null, [AdminRole]), sendInvitationEmail: true, cancellationToken).ConfigureAwait(false);
                return OnboardingStepResult.Done($"created admin user {created.Id} with role {AdminRole} (invitation email sent)", adminUserId: created.Id);
            }
            catch (Exception ex) when (IsLostCreate(ex, cancellationToken))
            {
                // Applied with its answer lost, or a user with this email but another external id (a 409 either way).
                user = await scalekitUsers.FindUserByExternalIdAsync(request.AdminExternalId, cancellationToken).ConfigureAwait(false);
                if (user is null && ex is ScalekitApiException { StatusCode: System.Net.HttpStatusCode.Conflict } conflict)
                {
                    return OnboardingStepResult.Refused(OnboardingRefusal.UserExists, $"Scalekit refused to create the admin user: a user with this email exists already with another external id ({conflict.ApiMessage}). Give it external id {request.AdminExternalId}, or onboard with another admin_email.");
                }

                if (user is null)
                {
                    throw;
                }
            }
        }

        if (user.MembershipIn(organizationId) is not { } membership)
        {
            try
            {
                await scalekitUsers.CreateMembershipAsync(organizationId, user.Id, [AdminRole], sendInvitationEmail: true, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsLostCreate(ex, cancellationToken))
            {
                // Applied with its answer lost: the user now shows the membership, else the failure stands.
                if ((await scalekitUsers.GetUserAsync(user.Id, cancellationToken).ConfigureAwait(false))?.MembershipIn(organizationId) is null)
                {
                    throw;
                }
            }

            return OnboardingStepResult.Done($"found user {user.Id} by external id; added a membership with role {AdminRole}", adminUserId: user.Id);
        }

        if (!membership.Roles.Contains(AdminRole, StringComparer.Ordinal))
        {
            await scalekitUsers.UpdateMembershipRolesAsync(organizationId, user.Id, [.. membership.Roles, AdminRole], cancellationToken).ConfigureAwait(false);
            return OnboardingStepResult.Done($"found user {user.Id} by external id; added role {AdminRole} to the membership", adminUserId: user.Id);
        }

        return OnboardingStepResult.Done($"found user {user.Id} by external id with role {AdminRole}", adminUserId: user.Id);
    }

    private async Task<OnboardingStepResult> SalesforceAccountAsync(OnboardingRecord record, CancellationToken cancellationToken)
    {
        if (record.Request.SalesforceAccountId is not { } account)
        {
            return OnboardingStepResult.Skipped("the request names no salesforce_account_id.");
        }

        if (SalesforceSkipReason() is { } why)
        {
            return OnboardingStepResult.Skipped(why);
        }

        if (record.OrganizationId is not { } organizationId)
        {
            return OnboardingStepResult.Skipped("there is no Scalekit organization to write (the organization step was skipped).");
        }

        if (await AccountRefusalAsync(record.Request, organizationId, cancellationToken).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        await salesforce.UpdateAsync("Account", account, new Dictionary<string, object?>
        {
            [OrganizationIdField] = organizationId,
            [AdminUserIdField] = record.AdminUserId,
            [StatusField] = "In Progress",
        }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return OnboardingStepResult.Done($"account {account}: {OrganizationIdField}, {AdminUserIdField}, {StatusField}=In Progress");
    }

    private async Task<OnboardingStepResult> StripeCustomerAsync(OnboardingRecord record, CancellationToken cancellationToken)
    {
        var options = stripeOptions.Value;
        if (!options.IsConfigured)
        {
            return OnboardingStepResult.Skipped(options.Problem ?? $"Stripe API access is not configured ({StripeApiOptions.ApiKeySetting} is not set).");
        }

        if (record.OrganizationId is not { } organizationId)
        {
            return OnboardingStepResult.Skipped("there is no Scalekit organization to write (the organization step was skipped).");
        }

        if (await stripeCustomers.FindOrganizationIdAsync(record.Request.StripeCustomerId, cancellationToken).ConfigureAwait(false) is { } named && named != organizationId)
        {
            return OnboardingStepResult.Refused(OnboardingRefusal.CustomerLinkedElsewhere, CustomerLinkedElsewhereDetail(record.Request.StripeCustomerId, named));
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { [StripeOrganizationKey] = organizationId };
        if (record.AdminUserId is { } userId)
        {
            metadata[StripeAdminUserKey] = userId;
        }

        await stripeCustomers.UpdateAsync(record.Request.StripeCustomerId, metadata, cancellationToken).ConfigureAwait(false);
        return OnboardingStepResult.Done($"customer {record.Request.StripeCustomerId}: metadata {string.Join(", ", metadata.Keys)}");
    }

    private async Task<OnboardingStepResult> CompletionAsync(OnboardingRecord record, CancellationToken cancellationToken)
    {
        if (record.OrganizationId is not { } organizationId)
        {
            return OnboardingStepResult.Skipped("there is no Scalekit organization (the organization step was skipped).");
        }

        if (await scalekit.GetAsync(organizationId, cancellationToken).ConfigureAwait(false) is not { } organization)
        {
            return OnboardingStepResult.Refused(OnboardingRefusal.OrganizationGone, $"organization {organizationId} no longer exists in Scalekit.");
        }

        var merge = MetadataBudget.Merge(organization.Metadata, ownership.RemovableKeys(FactWriter.Onboarding), new Dictionary<string, string> { [MarkerKey] = Marker(OnboardingStatus.Completed, record.Id) }, "onboarding");
        if (!merge.Fits)
        {
            return OnboardingStepResult.Refused(OnboardingRefusal.MetadataOverBudget, merge.Refusal!);
        }

        if (merge.Changed)
        {
            await scalekit.UpdateMetadataAsync(organizationId, merge.Metadata, $"{record.Id}-completion", cancellationToken).ConfigureAwait(false);
        }

        var detail = $"organization {organizationId}: {MarkerKey}=completed";
        if (record[OnboardingStep.SalesforceAccount].Status == OnboardingStatus.Done && record.Request.SalesforceAccountId is { } account)
        {
            await salesforce.UpdateAsync("Account", account, new Dictionary<string, object?> { [StatusField] = "Completed" }, cancellationToken: cancellationToken).ConfigureAwait(false);
            detail += $"; account {account}: {StatusField}=Completed";
        }

        return OnboardingStepResult.Done(detail);
    }

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
