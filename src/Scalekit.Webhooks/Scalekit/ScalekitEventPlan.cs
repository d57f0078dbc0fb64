using Scalekit.Webhooks.State;

namespace Scalekit.Webhooks.Scalekit;

/// <summary>What one Scalekit event changes: the read-model changes in the order they are applied, and for directory users their group memberships.</summary>
public sealed record ScalekitEventPlan(IReadOnlyList<ReadModelChange> Changes, GroupMembershipChange? GroupMembership = null)
{
    public static ScalekitEventPlan Ignored { get; } = new([]);

    public bool IsIgnored => Changes.Count == 0 && GroupMembership is null;
}
