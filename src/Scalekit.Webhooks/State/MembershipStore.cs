using System.Text.Json;
using Azure.Data.Tables;
using Scalekit.Webhooks.Privacy;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.State;

/// <summary>A user's membership in an organization as one Scalekit event describes it (<c>Roles</c> as the event's JSON text).</summary>
public sealed record MembershipChange(string OrganizationId, string UserId, string? Email, string? MembershipStatus, string? Roles, bool Deleted) : ReadModelChange
{
    public override StateChange ToRow() => MembershipStore.Row(this);
}

/// <summary>A user's membership in an organization.</summary>
public sealed record MemberRecord(string OrganizationId, string UserId, string? Email, string? MembershipStatus, JsonElement? Roles, RowHistory History);

/// <summary>The <c>Memberships</c> table (partition = the organization, one row per user).</summary>
public sealed class MembershipStore(StorageClients clients)
{
    private const string Email = "Email";
    private const string MembershipStatus = "MembershipStatus";
    private const string Roles = "Roles";

    /// <summary>The memberships' personal data: which columns hold it and where each kind of subject is found.</summary>
    public static PersonalDataTable PersonalData { get; } = new(StateTables.Memberships,
        [Email],
        new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.Email] = Email, [ErasureSubjectKind.UserId] = nameof(ITableEntity.RowKey) },
        new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.UserId] = nameof(ITableEntity.RowKey) });

    private readonly TableClient _table = clients.Tables.GetTableClient(StateTables.Memberships);

    internal static StateChange Row(MembershipChange change) => new(StateTables.Memberships, change.OrganizationId, change.UserId, new Dictionary<string, object?>(3, StringComparer.Ordinal)
    {
        [Email] = change.Email,
        [MembershipStatus] = change.MembershipStatus,
        [Roles] = change.Roles,
    }, change.Deleted);

    internal static MemberRecord Record(string organizationId, TableEntity row) =>
        new(organizationId, ReadModelRows.IdOf(row), row.GetString(Email), row.GetString(MembershipStatus), ReadModelRows.Json(row, Roles), ReadModelRows.History(row));

    public async Task<RecordPage<MemberRecord>> PageAsync(string organizationId, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        var (page, token) = await ReadModelRows.PageAsync(_table, organizationId, pageSize, continuation, cancellationToken).ConfigureAwait(false);
        return new RecordPage<MemberRecord>([.. page.Select(row => Record(organizationId, row))], token);
    }

    /// <summary>How many of the organization's memberships are not deleted.</summary>
    public Task<int> CountLiveAsync(string organizationId, CancellationToken cancellationToken = default) =>
        ReadModelRows.CountLiveAsync(_table, organizationId, cancellationToken);

    /// <summary>How many members of the organization have a live, active membership.</summary>
    public async Task<int> ActiveMembersAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        var count = 0;
        await foreach (var row in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {StorageKeys.Key(organizationId)}"),
            select: [MembershipStatus, StateStore.DeletedAt], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (!row.ContainsKey(StateStore.DeletedAt) && row.GetString(MembershipStatus) is null or "ACTIVE")
            {
                count++;
            }
        }

        return count;
    }
}
