using Scalekit.Webhooks.ScalekitApi;

namespace Scalekit.Webhooks.Onboarding;

/// <summary>The admin user step: find the user by external id or create it, then make sure it is an admin member of the organization.</summary>
public sealed partial class OnboardingSteps
{
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
}
