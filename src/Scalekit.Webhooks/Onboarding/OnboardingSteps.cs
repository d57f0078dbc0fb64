using System.Text.Json;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Onboarding;

/// <summary>
/// The five onboarding steps against Scalekit, Salesforce and Stripe, each safe to run again: before creating an
/// organization or a user it looks them up by external id, so a crash between "created" and "recorded" never creates
/// a second one, and every write sets the same values again. A step whose system is not configured is skipped with
/// why, and one that can never succeed as things are is refused with why (<see cref="OnboardingStepResult.Refused"/>).
/// Failures are thrown; <see cref="Classify"/> tells one no retry can change from an outage.
/// </summary>
public sealed class OnboardingSteps(
    ScalekitClient scalekit,
    ScalekitUserClient scalekitUsers,
    AccountLinks accountLinks,
    SalesforceClient salesforce,
    StripeCustomerMetadata stripeCustomers,
    IOptions<ScalekitOptions> scalekitOptions,
    IOptions<SalesforceOptions> salesforceOptions,
    IOptions<StripeApiOptions> stripeOptions)
{
    /// <summary>Organization metadata keys the onboarding writes.</summary>
    public static readonly IReadOnlyList<string> MetadataKeys = ["plan_type", "salesforce_account_id", "stripe_customer_id", "onboarding_status"];

    public const string OrganizationIdField = "Scalekit_Organization_ID__c";
    public const string AdminUserIdField = "Scalekit_Admin_User_ID__c";
    public const string StatusField = "Onboarding_Status__c";
    public const string AdminRole = "admin";

    /// <summary>Runs <paramref name="step"/> of <paramref name="record"/>: done, skipped or refused; throws when it fails (see <see cref="Classify"/>).</summary>
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
        var desired = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["plan_type"] = request.PlanType,
            ["stripe_customer_id"] = request.StripeCustomerId,
            ["onboarding_status"] = "in_progress",
        };
        if (request.SalesforceAccountId is { } account)
        {
            desired["salesforce_account_id"] = account;
        }

        if (await scalekit.FindByExternalIdAsync(request.StripeCustomerId, cancellationToken).ConfigureAwait(false) is not { } organization)
        {
            if (MetadataBudget.Validate(desired) is { } problem)
            {
                return OnboardingStepResult.Refused(problem);
            }

            var created = await scalekit.CreateAsync(request.CompanyName, request.StripeCustomerId, desired, cancellationToken).ConfigureAwait(false);
            return OnboardingStepResult.Done($"created organization {created.Id} with external id {request.StripeCustomerId}{await LinkAsync(created.Id, request, cancellationToken).ConfigureAwait(false)}", created.Id);
        }

        // Created by an earlier attempt whose answer was lost, or by someone else: make its metadata say what was asked.
        var merge = MetadataBudget.Merge(organization.Metadata, MetadataKeys.ToHashSet(), desired, "onboarding");
        if (!merge.Fits)
        {
            return OnboardingStepResult.Refused(merge.Refusal!);
        }

        if (merge.Changed)
        {
            await scalekit.UpdateMetadataAsync(organization.Id, merge.Metadata, $"{record.Id}-organization", cancellationToken).ConfigureAwait(false);
        }

        return OnboardingStepResult.Done($"found organization {organization.Id} by external id {request.StripeCustomerId}{(merge.Changed ? "; metadata set" : string.Empty)}{await LinkAsync(organization.Id, request, cancellationToken).ConfigureAwait(false)}", organization.Id);
    }

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
        if (await scalekitUsers.FindUserByExternalIdAsync(request.AdminExternalId, cancellationToken).ConfigureAwait(false) is not { } user)
        {
            ScalekitUser created;
            try
            {
                created = await scalekitUsers.CreateUserAsync(organizationId, new ScalekitNewUser(request.AdminEmail, request.AdminExternalId, new Dictionary<string, string>(), null, [AdminRole]), sendInvitationEmail: true, cancellationToken).ConfigureAwait(false);
            }
            catch (ScalekitApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.Conflict)
            {
                // Not ours (ours would have been found by its external id): a user with this email exists already.
                return OnboardingStepResult.Refused($"Scalekit refused to create the admin user: a user with this email exists already with another external id ({ex.ApiMessage}). Give it external id {request.AdminExternalId}, or onboard with another admin_email.");
            }

            return OnboardingStepResult.Done($"created admin user {created.Id} with role {AdminRole} (invitation email sent)", adminUserId: created.Id);
        }

        if (user.MembershipIn(organizationId) is not { } membership)
        {
            await scalekitUsers.CreateMembershipAsync(organizationId, user.Id, [AdminRole], sendInvitationEmail: true, cancellationToken).ConfigureAwait(false);
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

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["scalekit_org_id"] = organizationId };
        if (record.AdminUserId is { } userId)
        {
            metadata["scalekit_admin_user_id"] = userId;
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
            return OnboardingStepResult.Refused($"organization {organizationId} no longer exists in Scalekit.");
        }

        var merge = MetadataBudget.Merge(organization.Metadata, ["onboarding_status"], new Dictionary<string, string> { ["onboarding_status"] = OnboardingStatus.Completed }, "onboarding");
        if (!merge.Fits)
        {
            return OnboardingStepResult.Refused(merge.Refusal!);
        }

        if (merge.Changed)
        {
            await scalekit.UpdateMetadataAsync(organizationId, merge.Metadata, $"{record.Id}-completion", cancellationToken).ConfigureAwait(false);
        }

        var detail = $"organization {organizationId}: onboarding_status=completed";
        if (record[OnboardingStep.SalesforceAccount].Status == OnboardingStatus.Done && record.Request.SalesforceAccountId is { } account)
        {
            await salesforce.UpdateAsync("Account", account, new Dictionary<string, object?> { [StatusField] = "Completed" }, cancellationToken: cancellationToken).ConfigureAwait(false);
            detail += $"; account {account}: {StatusField}=Completed";
        }

        return OnboardingStepResult.Done(detail);
    }

    private string? SalesforceSkipReason()
    {
        var options = salesforceOptions.Value;
        return options.IsConfigured ? null : options.Problem
            ?? $"Salesforce is not configured ({SalesforceOptions.InstanceUrlSetting}, {SalesforceOptions.ClientIdSetting}, {SalesforceOptions.ClientSecretSetting}).";
    }

    /// <summary>Whether no retry can change the outcome, and what to tell the operator.</summary>
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

/// <summary>How a step ended: done (with what it did and the ids it made), skipped (with why) or refused (with why).</summary>
public sealed record OnboardingStepResult(string Status, string Detail, string? OrganizationId, string? AdminUserId)
{
    public static OnboardingStepResult Done(string detail, string? organizationId = null, string? adminUserId = null) => new(OnboardingStatus.Done, detail, organizationId, adminUserId);

    public static OnboardingStepResult Skipped(string why) => new(OnboardingStatus.Skipped, why, null, null);

    /// <summary>The step can never succeed as things are (a metadata limit, a conflicting user): it fails the onboarding with <paramref name="reason"/>.</summary>
    public static OnboardingStepResult Refused(string reason) => new(OnboardingStatus.Failed, reason, null, null);

    public bool IsRefused => Status == OnboardingStatus.Failed;
}
