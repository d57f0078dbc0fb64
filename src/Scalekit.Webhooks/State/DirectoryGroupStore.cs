using Azure.Data.Tables;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.State;

/// <summary>A directory group of an organization as one Scalekit event describes it.</summary>
public sealed record DirectoryGroupChange(string OrganizationId, string Id, string? DirectoryId, string? DisplayName, string? ExternalId, string? DpId, bool Deleted) : ReadModelChange
{
    public override StateChange ToRow() => DirectoryGroupStore.Row(this);
}

/// <summary>The <c>DirectoryGroups</c> table (partition = the organization).</summary>
public sealed class DirectoryGroupStore(StorageClients clients)
{
    private const string DirectoryId = "DirectoryId";
    private const string DisplayName = "DisplayName";
    private const string ExternalId = "ExternalId";
    private const string DpId = "DpId";

    private readonly TableClient _table = clients.Tables.GetTableClient(StateTables.DirectoryGroups);

    internal static StateChange Row(DirectoryGroupChange change) => new(StateTables.DirectoryGroups, change.OrganizationId, change.Id, new Dictionary<string, object?>(4, StringComparer.Ordinal)
    {
        [DirectoryId] = change.DirectoryId,
        [DisplayName] = change.DisplayName,
        [ExternalId] = change.ExternalId,
        [DpId] = change.DpId,
    }, change.Deleted);

    /// <summary>How many of the organization's groups are not deleted.</summary>
    public Task<int> CountLiveAsync(string organizationId, CancellationToken cancellationToken = default) =>
        ReadModelRows.CountLiveAsync(_table, organizationId, cancellationToken);
}
