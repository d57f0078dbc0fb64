using Azure.Data.Tables;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.State;

/// <summary>A domain of an organization as one Scalekit event describes it.</summary>
public sealed record DomainChange(
    string OrganizationId,
    string Id,
    string? Domain,
    string? DomainType,
    string? VerificationStatus,
    string? VerificationMethod,
    string? UpdatedAt,
    bool Deleted) : ReadModelChange
{
    public override StateChange ToRow() => OrganizationDomainStore.Row(this);
}

/// <summary>The entry of a domain in the domain → organization index (the domain as the event spelled it).</summary>
public sealed record DomainIndexChange(string Domain, string DomainId, string OrganizationId, string? VerificationStatus, bool Deleted) : ReadModelChange
{
    public override StateChange ToRow() => OrganizationDomainStore.Row(this);
}

/// <summary>
/// The <c>OrganizationDomains</c> table (partition = the organization) and its index <c>DomainOrganizations</c>
/// (partition = the domain in lower case, one row per Scalekit domain id), so finding an employee's organization by
/// email domain reads one partition.
/// </summary>
public sealed class OrganizationDomainStore(StorageClients clients)
{
    internal const string Domain = "Domain";
    internal const string VerificationStatus = "VerificationStatus";
    internal const string OrganizationId = "OrganizationId";
    private const string DomainType = "DomainType";
    private const string VerificationMethod = "VerificationMethod";
    private const string UpdatedAt = "UpdatedAt";

    private static readonly string[] VerifiedStatuses = ["VERIFIED", "AUTO_VERIFIED"];

    private readonly TableClient _index = clients.Tables.GetTableClient(StateTables.DomainOrganizations);

    internal static StateChange Row(DomainChange change) => new(StateTables.OrganizationDomains, change.OrganizationId, change.Id, new Dictionary<string, object?>(5, StringComparer.Ordinal)
    {
        [Domain] = change.Domain,
        [DomainType] = change.DomainType,
        [VerificationStatus] = change.VerificationStatus,
        [VerificationMethod] = change.VerificationMethod,
        [UpdatedAt] = change.UpdatedAt,
    }, change.Deleted);

    internal static StateChange Row(DomainIndexChange change) => new(StateTables.DomainOrganizations, change.Domain.ToLowerInvariant(), change.DomainId, new Dictionary<string, object?>(2, StringComparer.Ordinal)
    {
        [OrganizationId] = change.OrganizationId,
        [VerificationStatus] = change.VerificationStatus,
    }, change.Deleted);

    /// <summary>The organizations that verified <paramref name="domain"/> and did not delete it since.</summary>
    public async Task<IReadOnlyCollection<string>> OrganizationsWithVerifiedDomainAsync(string domain, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var organizations = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var row in _index.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {StorageKeys.Key(domain.ToLowerInvariant())}"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (VerifiedStatuses.Contains(row.GetString(VerificationStatus), StringComparer.OrdinalIgnoreCase) && ReadModelRows.History(row).DeletedAt is null
                && row.GetString(OrganizationId) is { } organizationId)
            {
                organizations.Add(organizationId);
            }
        }

        return organizations;
    }
}
