using System.Text.Json;
using Azure.Data.Tables;
using Scalekit.Webhooks.Privacy;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.State;

/// <summary>A directory (SCIM) user as one Scalekit event describes it (<c>Roles</c>, <c>Groups</c> and <c>CustomAttributes</c> as the event's JSON text).</summary>
public sealed record DirectoryUserChange(
    string OrganizationId,
    string Id,
    string? DpId,
    string? Email,
    bool? Active,
    string? Name,
    string? GivenName,
    string? FamilyName,
    string? PreferredUsername,
    string? Roles,
    string? Groups,
    string? EmployeeId,
    string? Department,
    string? Title,
    string? Manager,
    string? CostCenter,
    string? Division,
    string? Organization,
    string? CustomAttributes) : ReadModelChange
{
    public override StateChange ToRow() => DirectoryUserStore.Row(this);
}

/// <summary>A directory user's deletion: the row stays, inactive and soft-deleted, with the rest of its columns as they were.</summary>
public sealed record DirectoryUserRemoval(string OrganizationId, string Id, string? Email) : ReadModelChange
{
    public override StateChange ToRow() => DirectoryUserStore.Row(this);
}

/// <summary>The full set of groups a directory user belongs to after the event (empty when the user was deleted).</summary>
public sealed record GroupMembershipChange(string OrganizationId, string DirectoryUserId, IReadOnlyList<string> GroupIds, bool UserDeleted);

/// <summary>A directory (SCIM) user of an organization.</summary>
public sealed record DirectoryUserRecord(
    string OrganizationId,
    string Id,
    string? Email,
    bool? Active,
    string? Name,
    string? GivenName,
    string? FamilyName,
    string? PreferredUsername,
    string? EmployeeId,
    string? Department,
    string? Title,
    JsonElement? Roles,
    JsonElement? Groups,
    RowHistory History);

/// <summary>
/// The <c>DirectoryUsers</c> table (partition = the organization) and the user's group memberships in
/// <c>DirectoryGroupMembers</c> (partition = the organization, one row per group and user), written together.
/// </summary>
/// <remarks>
/// A directory user's row keeps the groups that may have a live member row (<c>GroupIds</c>) and whether that list is
/// exact (<c>GroupIdsSettled</c>), so an update whose groups equal a settled list writes the user row alone. When the
/// groups change, the user row is written first with the union of the old and new groups, unsettled; then the member
/// rows; then the list is settled to the new groups. A crash or a failed write in between leaves the row unsettled, and
/// whichever event comes next (the redelivery, or a newer event overtaking it) removes every listed group it does not
/// have and writes every one it has, so no member row is left live by an event that did not finish.
/// </remarks>
public sealed class DirectoryUserStore(StateStore rows, StorageClients clients)
{
    private const string DpId = "DpId";
    private const string Email = "Email";
    private const string Active = "Active";
    private const string Name = "Name";
    private const string GivenName = "GivenName";
    private const string FamilyName = "FamilyName";
    private const string PreferredUsername = "PreferredUsername";
    private const string Roles = "Roles";
    private const string Groups = "Groups";
    private const string EmployeeId = "EmployeeId";
    private const string Department = "Department";
    private const string Title = "Title";
    private const string Manager = "Manager";
    private const string CostCenter = "CostCenter";
    private const string Division = "Division";
    private const string Organization = "Organization";
    private const string CustomAttributes = "CustomAttributes";
    private const string GroupIds = "GroupIds";
    private const string GroupIdsSettled = "GroupIdsSettled";
    private const string GroupId = "GroupId";
    private const string UserId = "UserId";

    /// <summary>Longest group list kept on a row (a Table string holds 32K characters); past it the member rows are queried.</summary>
    private const int MaxGroupIdsChars = 16_000;

    /// <summary>The directory users' personal data: which columns hold it and where each kind of subject is found.</summary>
    public static PersonalDataTable PersonalData { get; } = new(StateTables.DirectoryUsers,
        [Email, Name, GivenName, FamilyName, PreferredUsername, EmployeeId, Department, Title, Manager, CostCenter, Division, Organization, CustomAttributes, DpId],
        new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.Email] = Email, [ErasureSubjectKind.DirectoryUserId] = nameof(ITableEntity.RowKey) },
        new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.DirectoryUserId] = nameof(ITableEntity.RowKey), [ErasureSubjectKind.Email] = Email });

    private readonly TableClient _users = clients.Tables.GetTableClient(StateTables.DirectoryUsers);

    private readonly TableClient _members = clients.Tables.GetTableClient(StateTables.DirectoryGroupMembers);

    internal static StateChange Row(DirectoryUserChange change) => new(StateTables.DirectoryUsers, change.OrganizationId, change.Id, new Dictionary<string, object?>(17, StringComparer.Ordinal)
    {
        [DpId] = change.DpId,
        [Email] = change.Email,
        [Active] = change.Active,
        [Name] = change.Name,
        [GivenName] = change.GivenName,
        [FamilyName] = change.FamilyName,
        [PreferredUsername] = change.PreferredUsername,
        [Roles] = change.Roles,
        [Groups] = change.Groups,
        [EmployeeId] = change.EmployeeId,
        [Department] = change.Department,
        [Title] = change.Title,
        [Manager] = change.Manager,
        [CostCenter] = change.CostCenter,
        [Division] = change.Division,
        [Organization] = change.Organization,
        [CustomAttributes] = change.CustomAttributes,
    });

    internal static StateChange Row(DirectoryUserRemoval change) => new(StateTables.DirectoryUsers, change.OrganizationId, change.Id, new Dictionary<string, object?>(2, StringComparer.Ordinal)
    {
        [Email] = change.Email,
        [Active] = false,
    }, SoftDelete: true);

    internal static DirectoryUserRecord Record(string organizationId, TableEntity row) => new(
        organizationId,
        ReadModelRows.IdOf(row),
        row.GetString(Email),
        row.GetBoolean(Active),
        row.GetString(Name),
        row.GetString(GivenName),
        row.GetString(FamilyName),
        row.GetString(PreferredUsername),
        row.GetString(EmployeeId),
        row.GetString(Department),
        row.GetString(Title),
        ReadModelRows.Json(row, Roles),
        ReadModelRows.Json(row, Groups),
        ReadModelRows.History(row));

    /// <summary>
    /// Applies the user's row (<paramref name="user"/>: a <see cref="DirectoryUserChange"/> or <see cref="DirectoryUserRemoval"/>)
    /// and then its group memberships, in event order; returns what the user row's write found.
    /// </summary>
    public async Task<RowApply> ApplyAsync(ReadModelChange user, GroupMembershipChange membership, EventStamp stamp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(membership);
        var row = user.ToRow();
        var groups = membership.UserDeleted ? [] : membership.GroupIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        GroupList? listedForWrite = null;
        var write = await rows.ApplyAsync(row, stamp, stored => GroupColumns(listedForWrite = Listed(stored), groups), cancellationToken).ConfigureAwait(false);
        if (write.Result == ApplyResult.Stale)
        {
            return write;
        }

        // A write was decided on the list last read into its columns; only the same event again wrote nothing.
        var listed = write.Repeated ? Listed(write.Row) : listedForWrite;
        if (listed is { Settled: true } && listed.Ids.SetEquals(groups))
        {
            return write;
        }

        // Unknown (a row written before the list was kept): the member rows themselves say which groups may be live.
        var live = listed?.Ids ?? new HashSet<string>(await GroupsOfAsync(membership.OrganizationId, membership.DirectoryUserId, cancellationToken).ConfigureAwait(false), StringComparer.Ordinal);
        var everyGroup = listed is not { Settled: true };
        foreach (var groupId in live.Except(groups, StringComparer.Ordinal))
        {
            await rows.ApplyAsync(MemberRow(membership, groupId, removed: true), stamp, cancellationToken).ConfigureAwait(false);
        }

        foreach (var groupId in groups.Where(g => everyGroup || !live.Contains(g)))
        {
            await rows.ApplyAsync(MemberRow(membership, groupId, removed: false) with { LikelyNew = !live.Contains(groupId) }, stamp, cancellationToken).ConfigureAwait(false);
        }

        await rows.AmendAsync(new StateChange(row.Table, row.PartitionId, row.RowId, Settled(groups)), stamp, cancellationToken).ConfigureAwait(false);
        return write;
    }

    public async Task<RecordPage<DirectoryUserRecord>> PageAsync(string organizationId, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        var (page, token) = await ReadModelRows.PageAsync(_users, organizationId, pageSize, continuation, cancellationToken).ConfigureAwait(false);
        return new RecordPage<DirectoryUserRecord>([.. page.Select(row => Record(organizationId, row))], token);
    }

    /// <summary>How many of the organization's directory users are not deleted.</summary>
    public Task<int> CountLiveAsync(string organizationId, CancellationToken cancellationToken = default) =>
        ReadModelRows.CountLiveAsync(_users, organizationId, cancellationToken);

    /// <summary>The groups a directory user is a live member of.</summary>
    public async Task<IReadOnlyList<string>> GroupsOfAsync(string organizationId, string directoryUserId, CancellationToken cancellationToken = default)
    {
        var groups = new List<string>();
        await foreach (var row in _members.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {StorageKeys.Key(organizationId)} and UserId eq {directoryUserId}"),
            select: [GroupId], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            groups.Add(row.GetString(GroupId));
        }

        return groups;
    }

    /// <summary>The group columns this event writes with the user row, given what the row lists now.</summary>
    private static Dictionary<string, object?> GroupColumns(GroupList? listed, string[] groups)
    {
        if (listed is { Settled: true } && listed.Ids.SetEquals(groups))
        {
            return Settled(groups);
        }

        if (listed is null)
        {
            // Stays unknown until the member rows are reconciled against a query.
            return new Dictionary<string, object?> { [GroupIds] = null, [GroupIdsSettled] = null };
        }

        var union = listed.Ids.Union(groups, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        return List(union, settled: false);
    }

    private static Dictionary<string, object?> Settled(string[] groups) => List(groups, settled: true);

    private static Dictionary<string, object?> List(string[] groups, bool settled)
    {
        var json = JsonSerializer.Serialize(groups);
        return json.Length > MaxGroupIdsChars
            ? new Dictionary<string, object?> { [GroupIds] = null, [GroupIdsSettled] = null }
            : new Dictionary<string, object?> { [GroupIds] = json, [GroupIdsSettled] = settled };
    }

    /// <summary>What a stored user row lists; a user with no row yet has no member rows either; null: not known.</summary>
    private static GroupList? Listed(IReadOnlyDictionary<string, object>? row)
    {
        if (row is null)
        {
            return new GroupList(new HashSet<string>(StringComparer.Ordinal), Settled: true);
        }

        if (!row.TryGetValue(GroupIds, out var value) || value is not string json)
        {
            return null;
        }

        var ids = JsonSerializer.Deserialize<string[]>(json) ?? [];
        return new GroupList(new HashSet<string>(ids, StringComparer.Ordinal), row.TryGetValue(GroupIdsSettled, out var settled) && settled is true);
    }

    private static StateChange MemberRow(GroupMembershipChange membership, string groupId, bool removed) =>
        new(StateTables.DirectoryGroupMembers, membership.OrganizationId, StorageKeys.Key(groupId, membership.DirectoryUserId),
            new Dictionary<string, object?> { [GroupId] = groupId, [UserId] = membership.DirectoryUserId }, removed);

    private sealed record GroupList(HashSet<string> Ids, bool Settled);
}
