using System.Collections.Concurrent;
using Azure.Data.Tables;
using Azure;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.State;

/// <summary>The link a Scalekit organization's external id names: that Stripe customer belongs to the organization.</summary>
public sealed record OrganizationLinkChange(string CustomerId, string OrganizationId) : ReadModelChange
{
    public override StateChange ToRow() => OrganizationLinks.Row(this);
}

/// <summary>
/// Stripe customer id → Scalekit organization id, cached in memory and in the OrganizationLinks table: the read model's
/// index of organizations by the external id Scalekit events carry (billing also records the links it finds by lookup).
/// A link is dropped when Scalekit says the organization is gone.
/// </summary>
public sealed class OrganizationLinks(StorageClients clients)
{
    private const string OrganizationId = "OrganizationId";

    private readonly ConcurrentDictionary<string, string> _memory = new(StringComparer.Ordinal);

    private TableClient? _table;

    private TableClient Table => _table ??= clients.Tables.GetTableClient(StateTables.OrganizationLinks);

    /// <summary>The row an organization event seeds (in event order, so billing sync can skip the lookup).</summary>
    internal static StateChange Row(OrganizationLinkChange change) =>
        new(StateTables.OrganizationLinks, change.CustomerId, change.CustomerId, new Dictionary<string, object?>(1, StringComparer.Ordinal) { [OrganizationId] = change.OrganizationId });

    public async Task<string?> FindAsync(string customerId, CancellationToken cancellationToken = default)
    {
        if (_memory.TryGetValue(customerId, out var cached))
        {
            return cached;
        }

        NullableResponse<TableEntity> row = await Table.GetEntityIfExistsAsync<TableEntity>(StorageKeys.Key(customerId), StorageKeys.Key(customerId), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (row.HasValue && row.Value!.GetString(OrganizationId) is { } organizationId)
        {
            _memory[customerId] = organizationId;
            return organizationId;
        }

        return null;
    }

    public async Task SetAsync(string customerId, string organizationId, CancellationToken cancellationToken = default)
    {
        var row = new TableEntity(StorageKeys.Key(customerId), StorageKeys.Key(customerId)) { [OrganizationId] = organizationId };
        await Table.UpsertEntityAsync(row, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
        _memory[customerId] = organizationId;
    }

    public async Task DropAsync(string customerId, CancellationToken cancellationToken = default)
    {
        _memory.TryRemove(customerId, out _);
        await Table.DeleteEntityAsync(StorageKeys.Key(customerId), StorageKeys.Key(customerId), ETag.All, cancellationToken).ConfigureAwait(false);
    }
}
