using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.State;

/// <summary>A permission as one Scalekit event describes it; its row is keyed by its name (or its id when it has none).</summary>
public sealed record PermissionChange(string Key, string? PermissionId, string? Description, bool Deleted) : ReadModelChange
{
    public override StateChange ToRow() => PermissionStore.Row(this);
}

/// <summary>The <c>Permissions</c> table: one row per permission, in its own partition. Nothing reads it back yet.</summary>
public static class PermissionStore
{
    private const string PermissionId = "PermissionId";
    private const string Description = "Description";

    internal static StateChange Row(PermissionChange change) => new(StateTables.Permissions, change.Key, change.Key, new Dictionary<string, object?>(2, StringComparer.Ordinal)
    {
        [PermissionId] = change.PermissionId,
        [Description] = change.Description,
    }, change.Deleted);
}
