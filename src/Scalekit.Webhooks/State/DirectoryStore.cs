using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.State;

/// <summary>A directory (SCIM) connection of an organization as one Scalekit event describes it.</summary>
public sealed record DirectoryChange(string OrganizationId, string Id, string? DirectoryType, string? Provider, bool? Enabled, string? UpdatedAt) : ReadModelChange
{
    public override StateChange ToRow() => DirectoryStore.Row(this);
}

/// <summary>The <c>Directories</c> table (partition = the organization). Nothing reads it back yet.</summary>
public static class DirectoryStore
{
    private const string DirectoryType = "DirectoryType";
    private const string Provider = "Provider";
    private const string Enabled = "Enabled";
    private const string UpdatedAt = "UpdatedAt";

    internal static StateChange Row(DirectoryChange change) => new(StateTables.Directories, change.OrganizationId, change.Id, new Dictionary<string, object?>(4, StringComparer.Ordinal)
    {
        [DirectoryType] = change.DirectoryType,
        [Provider] = change.Provider,
        [Enabled] = change.Enabled,
        [UpdatedAt] = change.UpdatedAt,
    });
}
