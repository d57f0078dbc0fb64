using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.State;

/// <summary>An SSO connection of an organization as one Scalekit event describes it.</summary>
public sealed record SsoConnectionChange(string OrganizationId, string Id, string? ConnectionType, string? Provider, bool? Enabled, string? Status, bool Deleted) : ReadModelChange
{
    public override StateChange ToRow() => SsoConnectionStore.Row(this);
}

/// <summary>The <c>SsoConnections</c> table (partition = the organization). Nothing reads it back yet.</summary>
public static class SsoConnectionStore
{
    private const string ConnectionType = "ConnectionType";
    private const string Provider = "Provider";
    private const string Enabled = "Enabled";
    private const string Status = "Status";

    internal static StateChange Row(SsoConnectionChange change) => new(StateTables.SsoConnections, change.OrganizationId, change.Id, new Dictionary<string, object?>(4, StringComparer.Ordinal)
    {
        [ConnectionType] = change.ConnectionType,
        [Provider] = change.Provider,
        [Enabled] = change.Enabled,
        [Status] = change.Status,
    }, change.Deleted);
}
