using System.Text.Json;
using Azure.Data.Tables;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.State;

/// <summary>An organization as one Scalekit event describes it (<c>Metadata</c> and <c>Features</c> as the event's JSON text).</summary>
public sealed record OrganizationChange(
    string Id,
    string? DisplayName,
    string? ExternalId,
    string? RegionCode,
    string? CreateTime,
    string? UpdateTime,
    string? Metadata,
    string? Features,
    bool Deleted,
    string? DeletedAt = null) : ReadModelChange
{
    public override StateChange ToRow() => OrganizationStore.Row(this);
}

/// <summary>An organization as its Scalekit events last described it.</summary>
public sealed record OrganizationRecord(
    string Id,
    string? DisplayName,
    string? ExternalId,
    string? RegionCode,
    string? CreateTime,
    string? UpdateTime,
    JsonElement? Metadata,
    JsonElement? Features,
    RowHistory History);

/// <summary>The <c>Organizations</c> table: one row per organization, in its own partition.</summary>
public sealed class OrganizationStore(StorageClients clients)
{
    private const string DisplayName = "DisplayName";
    private const string ExternalId = "ExternalId";
    private const string RegionCode = "RegionCode";
    private const string CreateTime = "CreateTime";
    private const string UpdateTime = "UpdateTime";
    private const string Metadata = "Metadata";
    private const string Features = "Features";

    private readonly TableClient _table = clients.Tables.GetTableClient(StateTables.Organizations);

    internal static StateChange Row(OrganizationChange change)
    {
        var columns = new Dictionary<string, object?>(8, StringComparer.Ordinal)
        {
            [DisplayName] = change.DisplayName,
            [ExternalId] = change.ExternalId,
            [RegionCode] = change.RegionCode,
            [CreateTime] = change.CreateTime,
            [UpdateTime] = change.UpdateTime,
            [Metadata] = change.Metadata,
            [Features] = change.Features,
        };
        if (change.Deleted && change.DeletedAt is { } deletedAt)
        {
            columns[StateStore.DeletedAt] = deletedAt;
        }

        return new StateChange(StateTables.Organizations, change.Id, change.Id, columns, change.Deleted);
    }

    internal static OrganizationRecord Record(string organizationId, TableEntity row) => new(
        organizationId,
        row.GetString(DisplayName),
        row.GetString(ExternalId),
        row.GetString(RegionCode),
        row.GetString(CreateTime),
        row.GetString(UpdateTime),
        ReadModelRows.Json(row, Metadata),
        ReadModelRows.Json(row, Features),
        ReadModelRows.History(row));

    public async Task<OrganizationRecord?> GetAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(organizationId);
        var row = await ReadModelRows.GetAsync(_table, organizationId, organizationId, cancellationToken).ConfigureAwait(false);
        return row is null ? null : Record(organizationId, row);
    }

    /// <summary>
    /// Organizations in id order whose id, external id or name contains <paramref name="text"/> (any case; every one
    /// when it is empty). Reads table pages until <paramref name="pageSize"/> match or <paramref name="scanLimit"/>
    /// rows were read, so a page may hold fewer and still have a continuation.
    /// </summary>
    public Task<(IReadOnlyList<OrganizationRecord> Items, string? Token)> SearchAsync(string? text, int pageSize, string? continuation, int scanLimit = TableSearch.DefaultScanLimit, CancellationToken cancellationToken = default) =>
        TableSearch.SearchAsync(_table, row =>
        {
            var organization = Record(StateStore.IdOf(row, StateStore.RowId, row.PartitionKey) ?? row.PartitionKey, row);
            return Matches(organization, text) ? organization : null;
        }, pageSize, continuation, scanLimit, cancellationToken);

    private static bool Matches(OrganizationRecord organization, string? text) =>
        string.IsNullOrWhiteSpace(text)
        || organization.Id.Contains(text, StringComparison.OrdinalIgnoreCase)
        || (organization.ExternalId?.Contains(text, StringComparison.OrdinalIgnoreCase) ?? false)
        || (organization.DisplayName?.Contains(text, StringComparison.OrdinalIgnoreCase) ?? false);

    /// <summary>The organization's metadata as string pairs (what billing merges its keys into); empty when unknown.</summary>
    public async Task<IReadOnlyDictionary<string, string>> MetadataAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        var row = await ReadModelRows.GetAsync(_table, organizationId, organizationId, cancellationToken).ConfigureAwait(false);
        return row?.GetString(Metadata) is { } json ? JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [] : new Dictionary<string, string>();
    }
}
