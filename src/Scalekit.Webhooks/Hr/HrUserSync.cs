using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.ScalekitApi;

namespace Scalekit.Webhooks.Hr;

/// <summary>What one HR event did to the Scalekit user.</summary>
public sealed record HrSyncResult(string Result, string? UserId, bool MembershipRemoved, string Detail)
{
    /// <summary>The <see cref="Result"/> of a sync that can never succeed as the event stands; <see cref="Detail"/> says why.</summary>
    public const string RefusedResult = "refused";

    /// <summary>Nothing was (or can be) done: the event is parked with <see cref="Detail"/> as the reason.</summary>
    public bool IsRefused => Result == RefusedResult;

    public static HrSyncResult Refused(string reason) => new(RefusedResult, null, false, reason);
}

/// <summary>
/// Makes a Scalekit user match one HR event: creates the user with a membership (never a second user: an existing one
/// is found by external id, or by email after a duplicate answer, and updated), merges HR facts into the user's
/// metadata, switches roles when the department changes, and marks or removes a leaver. Without Scalekit credentials
/// it only describes the calls it would make.
/// </summary>
public sealed partial class HrUserSync(ScalekitUserClient client, IOptions<ScalekitOptions> scalekit, IOptions<HrOptions> options, ILogger<HrUserSync> logger)
{
    /// <summary>The user metadata keys the sync owns; every other key on the user is kept.</summary>
    public static class MetadataKeys
    {
        public const string EmployeeId = "hr_employee_id";
        public const string Department = "department";
        public const string Title = "title";
        public const string StartDate = "start_date";
        public const string ManagerEmail = "manager_email";
        public const string Status = "employee_status";
        public const string LastSync = "hr_last_sync";
        public const string LeaveStartDate = "leave_start_date";
        public const string TerminationDate = "termination_date";
    }

    /// <param name="hrEvent">The event.</param>
    /// <param name="organizationId">The connection's organization, the only one the event acts on.</param>
    /// <param name="externalId">The user's external id, namespaced by connection (<see cref="HrExternalId"/>).</param>
    /// <param name="known">What was last recorded about the employee.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public async Task<HrSyncResult> SyncAsync(HrEvent hrEvent, string organizationId, string externalId, EmployeeRecord? known, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hrEvent);
        if (!scalekit.Value.IsConfigured)
        {
            return DryRun(hrEvent, organizationId, externalId, known);
        }

        var calls = new List<string>();
        var employee = hrEvent.Employee;
        var user = await client.FindUserByExternalIdAsync(externalId, cancellationToken).ConfigureAwait(false);
        if (hrEvent.Type == HrEventType.Terminated)
        {
            return await TerminateAsync(hrEvent, organizationId, externalId, user, calls, cancellationToken).ConfigureAwait(false);
        }

        if (user is null)
        {
            var newUser = NewUser(hrEvent, externalId);
            if (ScalekitUser.ValidateMetadata(newUser.Metadata) is { } problem)
            {
                return MetadataRefused(problem);
            }

            try
            {
                user = await client.CreateUserAsync(organizationId, newUser, options.Value.SendInvitations, cancellationToken).ConfigureAwait(false);
                Log.Created(logger, employee.EmployeeId, user.Id, organizationId);
                calls.Add($"POST organizations/{organizationId}/users: created {user.Id}");
                await RevokeOnLeaveAsync(hrEvent, user, calls, cancellationToken).ConfigureAwait(false);
                return new HrSyncResult("created", user.Id, false, string.Join("; ", calls));
            }
            catch (ScalekitApiException ex) when (ex.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.BadRequest)
            {
                // A duplicate email (409, or 400 on some gateways): find that user and update it instead of creating another.
                user = (await client.SearchOrganizationUsersAsync(organizationId, employee.Email, cancellationToken).ConfigureAwait(false))
                    .FirstOrDefault(u => string.Equals(u.Email, employee.Email, StringComparison.OrdinalIgnoreCase));
                if (user is null && ex.StatusCode == HttpStatusCode.Conflict)
                {
                    return HrSyncResult.Refused($"Scalekit refused to create the user of employee {employee.EmployeeId} ({ex.ApiMessage}) and no user of organization {organizationId} has its email; that email belongs to a user elsewhere without external_id {externalId}.");
                }

                if (user is null)
                {
                    throw;
                }

                calls.Add($"POST organizations/{organizationId}/users answered {(int)ex.StatusCode}: found {user.Id} by email");
            }
        }

        if (MetadataProblem(user, hrEvent) is { } metadataProblem)
        {
            return MetadataRefused(metadataProblem);
        }

        var departmentChanged = DepartmentChanged(user, employee);
        if (Update(user, hrEvent, externalId) is { } update)
        {
            await client.UpdateUserAsync(user.Id, update, cancellationToken).ConfigureAwait(false);
            calls.Add($"PATCH users/{user.Id}");
        }

        var roles = options.Value.RolesFor(employee.Department);
        if (user.MembershipIn(organizationId) is not { } membership)
        {
            await client.CreateMembershipAsync(organizationId, user.Id, roles, options.Value.SendInvitations, cancellationToken).ConfigureAwait(false);
            calls.Add($"POST memberships/organizations/{organizationId}/users/{user.Id}{RolesText(roles)}");
        }
        else if (departmentChanged && roles.Count > 0 && !roles.ToHashSet(StringComparer.Ordinal).SetEquals(membership.Roles))
        {
            await client.UpdateMembershipRolesAsync(organizationId, user.Id, roles, cancellationToken).ConfigureAwait(false);
            calls.Add($"PATCH memberships/organizations/{organizationId}/users/{user.Id}{RolesText(roles)}");
        }

        await RevokeOnLeaveAsync(hrEvent, user, calls, cancellationToken).ConfigureAwait(false);
        Log.Updated(logger, employee.EmployeeId, user.Id, organizationId, calls.Count);
        return new HrSyncResult(calls.Count == 0 ? "unchanged" : "updated", user.Id, false, calls.Count == 0 ? "the user already matched" : string.Join("; ", calls));
    }

    /// <summary>Leave cuts access: Scalekit has no suspend, so the user's sessions are ended (a return restores the metadata).</summary>
    private async Task RevokeOnLeaveAsync(HrEvent hrEvent, ScalekitUser user, List<string> calls, CancellationToken cancellationToken)
    {
        if (hrEvent.Type == HrEventType.OnLeave)
        {
            await client.RevokeSessionsAsync(user.Id, cancellationToken).ConfigureAwait(false);
            calls.Add($"POST users/{user.Id}/sessions/revoke");
        }
    }

    private async Task<HrSyncResult> TerminateAsync(HrEvent hrEvent, string organizationId, string externalId, ScalekitUser? user, List<string> calls, CancellationToken cancellationToken)
    {
        if (user is null)
        {
            return new HrSyncResult("no-user", null, false, $"no Scalekit user has external_id {externalId}; nothing to mark or remove");
        }

        if (MetadataProblem(user, hrEvent) is { } problem)
        {
            return MetadataRefused(problem);
        }

        if (Update(user, hrEvent, externalId) is { } update)
        {
            await client.UpdateUserAsync(user.Id, update, cancellationToken).ConfigureAwait(false);
            calls.Add($"PATCH users/{user.Id}");
        }

        var removed = false;
        if (options.Value.Termination == HrTerminationMode.RemoveMembership && user.MembershipIn(organizationId) is not null)
        {
            if (user.Memberships.Count == 1)
            {
                Log.LastMembership(logger, hrEvent.Employee.EmployeeId, user.Id, organizationId);
            }

            try
            {
                await client.DeleteMembershipAsync(organizationId, user.Id, cancellationToken).ConfigureAwait(false);
                calls.Add($"DELETE memberships/organizations/{organizationId}/users/{user.Id}");
            }
            catch (ScalekitNotFoundException)
            {
                calls.Add("membership was already gone");
            }

            removed = true;
        }

        return new HrSyncResult("terminated", user.Id, removed, calls.Count == 0 ? "the user was already marked terminated" : string.Join("; ", calls));
    }

    private HrSyncResult DryRun(HrEvent hrEvent, string organizationId, string externalId, EmployeeRecord? known)
    {
        var employee = hrEvent.Employee;
        var userId = known is { ScalekitUserId: { } id, MembershipRemoved: false } ? id : null;
        // The plan names keys and fields, never their values: it is logged and kept in the ledger, and values are personal.
        var changes = "keys " + string.Join(",", HrUserMetadata.Changes(hrEvent).Keys);
        var calls = new List<string> { $"GET /api/v1/users:external/{externalId}" };
        switch (hrEvent.Type)
        {
            case HrEventType.Terminated:
                calls.Add($"PATCH /api/v1/users/{userId ?? "{user}"} metadata {changes}");
                if (options.Value.Termination == HrTerminationMode.RemoveMembership)
                {
                    calls.Add($"DELETE /api/v1/memberships/organizations/{organizationId}/users/{userId ?? "{user}"}");
                }

                break;
            case HrEventType.Hired when userId is null:
                calls.Add($"POST /api/v1/organizations/{organizationId}/users?send_invitation_email={(options.Value.SendInvitations ? "true" : "false")} fields {string.Join(",", NewUser(hrEvent, externalId).ToJson().Select(field => field.Key))}");
                break;
            default:
                calls.Add($"PATCH /api/v1/users/{userId ?? "{user}"} metadata {changes}");
                if (employee.Department is { } department && !string.Equals(department, known?.Department, StringComparison.OrdinalIgnoreCase) && options.Value.RolesFor(department) is { Count: > 0 } roles)
                {
                    calls.Add($"PATCH /api/v1/memberships/organizations/{organizationId}/users/{userId ?? "{user}"}{RolesText(roles)}");
                }

                if (hrEvent.Type == HrEventType.OnLeave)
                {
                    calls.Add($"POST /api/v1/users/{userId ?? "{user}"}/sessions/revoke");
                }

                break;
        }

        var plan = string.Join("; ", calls);
        Log.DryRun(logger, employee.EmployeeId, organizationId, plan);
        return new HrSyncResult("dry-run", userId, hrEvent.Type == HrEventType.Terminated && options.Value.Termination == HrTerminationMode.RemoveMembership,
            "dry-run (no Scalekit credentials), nothing sent: " + plan);
    }

    private ScalekitNewUser NewUser(HrEvent hrEvent, string externalId)
    {
        var employee = hrEvent.Employee;
        var metadata = HrUserMetadata.Merge(new Dictionary<string, string>(StringComparer.Ordinal), hrEvent);
        return new ScalekitNewUser(employee.Email, externalId, metadata, Profile(employee), options.Value.RolesFor(employee.Department));
    }

    /// <summary>The update that brings <paramref name="user"/> in line with the event, or null when it already is.</summary>
    private static ScalekitUserUpdate? Update(ScalekitUser user, HrEvent hrEvent, string externalId)
    {
        var employee = hrEvent.Employee;
        var metadata = HrUserMetadata.Merge(new Dictionary<string, string>(user.Metadata, StringComparer.Ordinal), hrEvent);
        var metadataChanged = metadata.Count != user.Metadata.Count || metadata.Any(pair => !user.Metadata.TryGetValue(pair.Key, out var old) || old != pair.Value);
        var profile = Profile(employee);
        var profileChanged = profile is not null
            && ((employee.FirstName is not null && employee.FirstName != user.Profile.GivenName) || (employee.LastName is not null && employee.LastName != user.Profile.FamilyName));
        var newExternalId = user.ExternalId == externalId ? null : externalId;
        if (!metadataChanged && !profileChanged && newExternalId is null)
        {
            return null;
        }

        return new ScalekitUserUpdate(newExternalId, metadataChanged ? metadata : null,
            profileChanged ? new ScalekitUserProfile(employee.FirstName ?? user.Profile.GivenName, employee.LastName ?? user.Profile.FamilyName) : null);
    }

    /// <summary>Why the user's metadata with the event's changes merged in cannot be written, or null.</summary>
    private static string? MetadataProblem(ScalekitUser user, HrEvent hrEvent) =>
        ScalekitUser.ValidateMetadata(HrUserMetadata.Merge(new Dictionary<string, string>(user.Metadata, StringComparer.Ordinal), hrEvent));

    private static HrSyncResult MetadataRefused(string problem) => HrSyncResult.Refused($"Cannot update user metadata: {problem}.");

    private static ScalekitUserProfile? Profile(HrEmployee employee) =>
        employee.FirstName is null && employee.LastName is null ? null : new ScalekitUserProfile(employee.FirstName, employee.LastName);

    private static bool DepartmentChanged(ScalekitUser user, HrEmployee employee) =>
        employee.Department is not null && !string.Equals(employee.Department, user.Metadata.GetValueOrDefault(MetadataKeys.Department), StringComparison.OrdinalIgnoreCase);

    private static string RolesText(IReadOnlyList<string> roles) => roles.Count == 0 ? string.Empty : $" roles [{string.Join(", ", roles)}]";

    private static partial class Log
    {
        [LoggerMessage(8101, LogLevel.Information, "HR employee {EmployeeId}: created Scalekit user {UserId} in organization {OrganizationId}")]
        public static partial void Created(ILogger logger, string employeeId, string userId, string organizationId);

        [LoggerMessage(8102, LogLevel.Information, "HR employee {EmployeeId}: Scalekit user {UserId} in organization {OrganizationId}, {Calls} change(s)")]
        public static partial void Updated(ILogger logger, string employeeId, string userId, string organizationId, int calls);

        [LoggerMessage(8103, LogLevel.Warning, "HR employee {EmployeeId}: removing the last membership (organization {OrganizationId}) of Scalekit user {UserId}; Scalekit deletes the user and ends their sessions")]
        public static partial void LastMembership(ILogger logger, string employeeId, string userId, string organizationId);

        [LoggerMessage(8104, LogLevel.Warning, "DRY RUN (no SCALEKIT_ENVIRONMENT_URL / SCALEKIT_CLIENT_ID / SCALEKIT_CLIENT_SECRET): HR employee {EmployeeId} in organization {OrganizationId}: {Plan}")]
        public static partial void DryRun(ILogger logger, string employeeId, string organizationId, string plan);
    }
}
