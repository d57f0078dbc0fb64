using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;

namespace Scalekit.Webhooks.Onboarding;

/// <summary>The organization step (create it, or go on with the one this onboarding made) and the completion step that marks it completed.</summary>
public sealed partial class OnboardingSteps
{
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
}
