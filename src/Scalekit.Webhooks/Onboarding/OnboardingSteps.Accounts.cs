using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Onboarding;

/// <summary>The Salesforce account and Stripe customer steps: each writes the organization's ids to the account or customer it names.</summary>
public sealed partial class OnboardingSteps
{
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
}
