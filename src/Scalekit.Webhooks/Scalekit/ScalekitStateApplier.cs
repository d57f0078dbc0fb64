using System.Text.Json;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Scalekit;

/// <summary>Applies a Scalekit event to the read model in event order.</summary>
public sealed class ScalekitStateApplier(StateStore store, ReadModel readModel)
{
    /// <summary>Returns null for a type that changes nothing (ignored), else whether anything was applied.</summary>
    public Task<ApplyResult?> ApplyAsync(JsonElement root, EventStamp stamp, CancellationToken cancellationToken = default) =>
        ApplyAsync(ScalekitEventMapper.Map(root), stamp, cancellationToken);

    /// <summary>Returns null for a plan that changes nothing (ignored), else whether anything was applied.</summary>
    public async Task<ApplyResult?> ApplyAsync(ScalekitEventPlan plan, EventStamp stamp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.IsIgnored)
        {
            return null;
        }

        var applied = false;
        var userApplied = false;
        foreach (var change in plan.Changes)
        {
            var result = await store.ApplyAsync(change, stamp, cancellationToken).ConfigureAwait(false);
            applied |= result == ApplyResult.Applied;
            userApplied |= result == ApplyResult.Applied && change.Table == StateTables.DirectoryUsers;
        }

        if (plan.GroupMembership is { } membership && userApplied)
        {
            await ReconcileGroupsAsync(membership, stamp, cancellationToken).ConfigureAwait(false);
        }

        return applied ? ApplyResult.Applied : ApplyResult.Stale;
    }

    private async Task ReconcileGroupsAsync(GroupMembershipChange membership, EventStamp stamp, CancellationToken cancellationToken)
    {
        var current = await readModel.GroupsOfAsync(membership.OrganizationId, membership.DirectoryUserId, cancellationToken).ConfigureAwait(false);
        foreach (var groupId in current.Except(membership.GroupIds, StringComparer.Ordinal))
        {
            await store.ApplyAsync(MemberRow(membership.OrganizationId, groupId, membership.DirectoryUserId, removed: true), stamp, cancellationToken).ConfigureAwait(false);
        }

        if (!membership.UserDeleted)
        {
            foreach (var groupId in membership.GroupIds)
            {
                await store.ApplyAsync(MemberRow(membership.OrganizationId, groupId, membership.DirectoryUserId, removed: false), stamp, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static StateChange MemberRow(string organizationId, string groupId, string userId, bool removed) =>
        new(StateTables.DirectoryGroupMembers, organizationId, StorageKeys.Key(groupId, userId),
            new Dictionary<string, object?> { ["GroupId"] = groupId, ["UserId"] = userId }, removed);
}
