using Scalekit.Webhooks.Storage;


namespace Scalekit.Webhooks.Scalekit;

/// <summary>What one Scalekit event changes: rows to write, and for directory users their group memberships.</summary>
public sealed record ScalekitEventPlan(IReadOnlyList<StateChange> Changes, GroupMembershipChange? GroupMembership = null)
{
    public static ScalekitEventPlan Ignored { get; } = new([]);

    public bool IsIgnored => Changes.Count == 0 && GroupMembership is null;
}

/// <summary>The full set of groups a directory user belongs to after the event (empty when the user was deleted).</summary>
public sealed record GroupMembershipChange(string OrganizationId, string DirectoryUserId, IReadOnlyList<string> GroupIds, bool UserDeleted);
