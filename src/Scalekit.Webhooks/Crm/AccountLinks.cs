using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Crm;

/// <summary>
/// Scalekit organization ↔ Salesforce account, from the organization's metadata <c>salesforce_account_id</c> (kept
/// from organization events) and from onboarding. Each link is two rows, one per direction, so both lookups are point
/// reads. Accounts are keyed by their 15-character id: Salesforce answers 18-character ids, people often paste 15.
/// </summary>
public sealed class AccountLinks(StorageClients clients)
{
    private const string ByOrganization = "organization";
    private const string ByAccount = "account";

    private TableClient? _table;

    private TableClient Table => _table ??= clients.Tables.GetTableClient(StorageNames.CrmAccountLinksTable);

    /// <summary>Links <paramref name="organizationId"/> to <paramref name="accountId"/>, replacing an earlier link of either.</summary>
    public async Task LinkAsync(string organizationId, string accountId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        ArgumentException.ThrowIfNullOrWhiteSpace(accountId);
        accountId = accountId.Trim();
        var current = await FindAccountAsync(organizationId, cancellationToken).ConfigureAwait(false);
        if (current is not null && AccountKey(current) == AccountKey(accountId))
        {
            return;
        }

        if (current is not null)
        {
            await DeleteAsync(ByAccount, AccountKey(current), cancellationToken).ConfigureAwait(false);
        }

        if (await FindOrganizationAsync(accountId, cancellationToken).ConfigureAwait(false) is { } previous && previous != organizationId)
        {
            // The account moves to this organization: the other one no longer points at it.
            await DeleteAsync(ByOrganization, StorageKeys.Key(previous), cancellationToken).ConfigureAwait(false);
        }

        await Table.UpsertEntityAsync(new TableEntity(ByAccount, AccountKey(accountId)) { ["OrganizationId"] = organizationId, ["AccountId"] = accountId }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        await Table.UpsertEntityAsync(new TableEntity(ByOrganization, StorageKeys.Key(organizationId)) { ["OrganizationId"] = organizationId, ["AccountId"] = accountId }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the organization's link, if it has one.</summary>
    public async Task UnlinkAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        if (await FindAccountAsync(organizationId, cancellationToken).ConfigureAwait(false) is not { } accountId)
        {
            return;
        }

        if (await FindOrganizationAsync(accountId, cancellationToken).ConfigureAwait(false) == organizationId)
        {
            await DeleteAsync(ByAccount, AccountKey(accountId), cancellationToken).ConfigureAwait(false);
        }

        await DeleteAsync(ByOrganization, StorageKeys.Key(organizationId), cancellationToken).ConfigureAwait(false);
    }

    public Task<string?> FindAccountAsync(string organizationId, CancellationToken cancellationToken = default) =>
        ReadAsync(ByOrganization, StorageKeys.Key(organizationId), "AccountId", cancellationToken);

    public Task<string?> FindOrganizationAsync(string accountId, CancellationToken cancellationToken = default) =>
        ReadAsync(ByAccount, AccountKey(accountId), "OrganizationId", cancellationToken);

    /// <summary>A Salesforce id's case-sensitive 15-character form (the 18-character form adds a case checksum).</summary>
    internal static string AccountKey(string accountId) => StorageKeys.Key(accountId.Trim() is { Length: 18 } long18 ? long18[..15] : accountId.Trim());

    private async Task<string?> ReadAsync(string partition, string row, string column, CancellationToken cancellationToken)
    {
        var found = await Table.GetEntityIfExistsAsync<TableEntity>(partition, row, [column], cancellationToken).ConfigureAwait(false);
        return found.HasValue ? found.Value!.GetString(column) : null;
    }

    private async Task DeleteAsync(string partition, string row, CancellationToken cancellationToken)
    {
        try
        {
            await Table.DeleteEntityAsync(partition, row, ETag.All, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Already gone.
        }
    }
}
