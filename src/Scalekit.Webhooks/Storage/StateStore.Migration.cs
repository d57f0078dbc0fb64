using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.State;

namespace Scalekit.Webhooks.Storage;

/// <summary>The upgrade step: rows of the tables that once shared one partition moved to their owner's partition.</summary>
public sealed partial class StateStore
{
    /// <summary>
    /// Moves the rows of the tables that once shared <see cref="StateTables.LegacyPartition"/> to the partition of the
    /// entity that owns them (where the newer of two copies wins by its event stamp), and fills the domain index from
    /// the domains already stored. Idempotent; a dry run only counts. Returns the rows moved (or to move) per table.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, int>> MigrateAsync(bool dryRun, CancellationToken cancellationToken = default)
    {
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var name in SharedPartitionTables)
        {
            var table = clients.Tables.GetTableClient(name);
            var moved = 0;
            await foreach (var old in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {StateTables.LegacyPartition}"), cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                moved++;
                if (!dryRun)
                {
                    await MoveAsync(table, old, cancellationToken).ConfigureAwait(false);
                }
            }

            counts[name] = moved;
        }

        var indexed = 0;
        var index = clients.Tables.GetTableClient(StateTables.DomainOrganizations);
        await foreach (var domain in clients.Tables.GetTableClient(StateTables.OrganizationDomains).QueryAsync<TableEntity>(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (domain.GetString("Domain") is not { } name || StampOf(domain) is not { } stamp)
            {
                continue;
            }

            if (IdOf(domain, RowId, domain.RowKey) is not { } domainId || IdOf(domain, OwnerId, domain.PartitionKey) is not { } organizationId)
            {
                continue;
            }

            NullableResponse<TableEntity> current = await index.GetEntityIfExistsAsync<TableEntity>(
                StorageKeys.Key(name.ToLowerInvariant()), StorageKeys.Key(domainId), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (current.HasValue && StampOf(current.Value!) is { } held && held >= stamp)
            {
                continue;
            }

            indexed++;
            if (!dryRun)
            {
                var deleted = domain.TryGetValue(DeletedAt, out var at) && at is not null;
                var properties = new Dictionary<string, object?> { ["OrganizationId"] = organizationId, ["VerificationStatus"] = domain.GetString("VerificationStatus") };
                if (deleted)
                {
                    properties[DeletedAt] = at;
                }

                await ApplyAsync(new StateChange(StateTables.DomainOrganizations, name.ToLowerInvariant(), domainId, properties, deleted), stamp, cancellationToken).ConfigureAwait(false);
            }
        }

        counts[StateTables.DomainOrganizations] = indexed;
        return counts;
    }

    /// <summary>The read-model tables whose rows all lived in one partition before each moved to its owner's.</summary>
    private static readonly string[] SharedPartitionTables =
        [StateTables.Organizations, StateTables.Users, StateTables.Roles, StateTables.Permissions, StateTables.ConnectedAccounts, StateTables.Customers, StateTables.OrganizationLinks];

    private static async Task MoveAsync(TableClient table, TableEntity old, CancellationToken cancellationToken)
    {
        // The row key was the owner's key already: the owner's partition is the row key.
        var moving = new TableEntity(old) { PartitionKey = old.RowKey };
        moving.Remove("odata.etag");
        moving.Remove("Timestamp");
        NullableResponse<TableEntity> current = await table.GetEntityIfExistsAsync<TableEntity>(old.RowKey, old.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!current.HasValue)
        {
            try
            {
                await table.AddEntityAsync(moving, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                // An event wrote the new row meanwhile: it is newer than the copy.
            }
        }
        else if (StampOf(current.Value!) is { } newer && StampOf(old) is { } older && older > newer)
        {
            try
            {
                await table.UpdateEntityAsync(moving, current.Value!.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                // An event wrote the new row meanwhile: it is newer than the copy.
            }
        }

        await table.DeleteEntityAsync(old.PartitionKey, old.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
    }
}
