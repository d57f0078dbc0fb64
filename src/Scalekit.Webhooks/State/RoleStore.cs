using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.State;

/// <summary>A role as one Scalekit event describes it; its row is keyed by its name (or its id when it has none).</summary>
public sealed record RoleChange(string Key, string? RoleId, string? DisplayName, string? Description, string? Extends, bool Deleted) : ReadModelChange
{
    public override StateChange ToRow() => RoleStore.Row(this);
}

/// <summary>The <c>Roles</c> table: one row per role, in its own partition. Nothing reads it back yet.</summary>
public static class RoleStore
{
    private const string RoleId = "RoleId";
    private const string DisplayName = "DisplayName";
    private const string Description = "Description";
    private const string Extends = "Extends";

    internal static StateChange Row(RoleChange change) => new(StateTables.Roles, change.Key, change.Key, new Dictionary<string, object?>(4, StringComparer.Ordinal)
    {
        [RoleId] = change.RoleId,
        [DisplayName] = change.DisplayName,
        [Description] = change.Description,
        [Extends] = change.Extends,
    }, change.Deleted);
}
