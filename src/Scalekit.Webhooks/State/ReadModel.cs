using System.Collections.Concurrent;
using System.Text.Json;
using Azure.Data.Tables;
using Azure;
using Scalekit.Webhooks.Privacy;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.State;

/// <summary>What every read-model row carries: the last event applied to it and, once deleted, when.</summary>
public sealed record RowHistory(EventStamp? LastEvent, DateTimeOffset? DeletedAt, DateTimeOffset? ErasedAt);

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

/// <summary>How many live (not deleted) rows an organization owns in each of its read models.</summary>
public sealed record OrganizationCounts(int DirectoryUsers, int DirectoryGroups, int Members);

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

/// <summary>A user's membership in an organization.</summary>
public sealed record MemberRecord(string OrganizationId, string UserId, string? Email, string? MembershipStatus, JsonElement? Roles, RowHistory History);

/// <summary>A Stripe customer as its billing events last described it.</summary>
public sealed record CustomerRecord(
    string CustomerId,
    string? Email,
    string? Name,
    string? BillingStatus,
    DateTimeOffset? DeletedOn,
    string? CheckoutSessionId,
    string? CheckoutSubscriptionId,
    string? ClientReferenceId,
    IReadOnlyList<string> ActiveEntitlements,
    RowHistory History);

/// <summary>One Stripe subscription of a customer.</summary>
public sealed record SubscriptionRecord(
    string CustomerId,
    string SubscriptionId,
    string? Status,
    string? PriceLookupKey,
    string? Plan,
    IReadOnlyList<string> Features,
    DateTimeOffset? CurrentPeriodEnd,
    DateTimeOffset? Created,
    bool? CancelAtPeriodEnd,
    DateTimeOffset? TrialEnd,
    RowHistory History)
{
    /// <summary>The facts the governing-subscription choice reads.</summary>
    public SubscriptionFacts Facts()
    {
        var lastEventAt = History.LastEvent?.OccurredAt ?? DateTimeOffset.MinValue;
        return new SubscriptionFacts(SubscriptionId, Status ?? "unknown", Plan ?? "unknown", Features, CurrentPeriodEnd, Created ?? lastEventAt, lastEventAt);
    }
}

/// <summary>One page of records and the token of the next page (null on the last).</summary>
public sealed record RecordPage<T>(IReadOnlyList<T> Items, string? ContinuationToken);

/// <summary>
/// The read side of the read-model tables <see cref="StateStore"/> writes: the only code besides it that knows their
/// names, columns and keys. Every row lives in the partition of the entity that owns it (an organization, a user, a
/// customer), so reads here are point reads or single-partition queries, never table scans.
/// </summary>
public sealed class ReadModel(StorageClients clients)
{
    /// <summary>The Scalekit read model's personal data: which columns hold it and where each kind of subject is found.</summary>
    public static IReadOnlyList<PersonalDataTable> PersonalData { get; } =
    [
        new(StateTables.DirectoryUsers,
            [
                ReadModelColumns.Email, ReadModelColumns.Name, ReadModelColumns.GivenName, ReadModelColumns.FamilyName, ReadModelColumns.PreferredUsername,
                ReadModelColumns.EmployeeId, ReadModelColumns.Department, ReadModelColumns.Title, ReadModelColumns.Manager, ReadModelColumns.CostCenter,
                ReadModelColumns.Division, ReadModelColumns.Organization, ReadModelColumns.CustomAttributes, ReadModelColumns.DpId,
            ],
            new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.Email] = ReadModelColumns.Email, [ErasureSubjectKind.DirectoryUserId] = nameof(ITableEntity.RowKey) },
            new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.DirectoryUserId] = nameof(ITableEntity.RowKey), [ErasureSubjectKind.Email] = ReadModelColumns.Email }),
        new(StateTables.Users,
            [ReadModelColumns.Email, ReadModelColumns.ExternalId, ReadModelColumns.Metadata, ReadModelColumns.GivenName, ReadModelColumns.FamilyName, ReadModelColumns.Name],
            new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.Email] = ReadModelColumns.Email, [ErasureSubjectKind.UserId] = nameof(ITableEntity.RowKey) },
            new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.UserId] = nameof(ITableEntity.RowKey), [ErasureSubjectKind.Email] = ReadModelColumns.Email }),
        new(StateTables.Memberships,
            [ReadModelColumns.Email],
            new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.Email] = ReadModelColumns.Email, [ErasureSubjectKind.UserId] = nameof(ITableEntity.RowKey) },
            new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.UserId] = nameof(ITableEntity.RowKey) }),
        new(StateTables.UserSessions,
            [ReadModelColumns.Device],
            new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.UserId] = nameof(ITableEntity.PartitionKey) }),
        new(StateTables.ConnectedAccounts,
            [ReadModelColumns.Identifier],
            new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.Email] = ReadModelColumns.Identifier }),

        // A Stripe customer's email and name, as customer.deleted left them.
        new(StateTables.Customers,
            [ReadModelColumns.Email, ReadModelColumns.Name],
            new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.Email] = ReadModelColumns.Email }),
    ];

    private static readonly string[] VerifiedStatuses = ["VERIFIED", "AUTO_VERIFIED"];

    public async Task<OrganizationRecord?> OrganizationAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(organizationId);
        var row = await GetAsync(StateTables.Organizations, organizationId, organizationId, cancellationToken).ConfigureAwait(false);
        return row is null ? null : new OrganizationRecord(
            organizationId,
            row.GetString(ReadModelColumns.DisplayName),
            row.GetString(ReadModelColumns.ExternalId),
            row.GetString(ReadModelColumns.RegionCode),
            row.GetString(ReadModelColumns.CreateTime),
            row.GetString(ReadModelColumns.UpdateTime),
            Json(row, ReadModelColumns.Metadata),
            Json(row, ReadModelColumns.Features),
            History(row));
    }

    /// <summary>The organization's metadata as string pairs (what billing merges its keys into); empty when unknown.</summary>
    public async Task<IReadOnlyDictionary<string, string>> OrganizationMetadataAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        var row = await GetAsync(StateTables.Organizations, organizationId, organizationId, cancellationToken).ConfigureAwait(false);
        return row?.GetString(ReadModelColumns.Metadata) is { } json ? JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [] : new Dictionary<string, string>();
    }

    public async Task<OrganizationCounts> CountsAsync(string organizationId, CancellationToken cancellationToken = default) => new(
        await CountLiveAsync(StateTables.DirectoryUsers, organizationId, cancellationToken).ConfigureAwait(false),
        await CountLiveAsync(StateTables.DirectoryGroups, organizationId, cancellationToken).ConfigureAwait(false),
        await CountLiveAsync(StateTables.Memberships, organizationId, cancellationToken).ConfigureAwait(false));

    public async Task<RecordPage<DirectoryUserRecord>> DirectoryUsersAsync(string organizationId, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        var (rows, token) = await PageAsync(StateTables.DirectoryUsers, organizationId, pageSize, continuation, cancellationToken).ConfigureAwait(false);
        return new RecordPage<DirectoryUserRecord>([.. rows.Select(row => new DirectoryUserRecord(
            organizationId,
            IdOf(row),
            row.GetString(ReadModelColumns.Email),
            row.GetBoolean(ReadModelColumns.Active),
            row.GetString(ReadModelColumns.Name),
            row.GetString(ReadModelColumns.GivenName),
            row.GetString(ReadModelColumns.FamilyName),
            row.GetString(ReadModelColumns.PreferredUsername),
            row.GetString(ReadModelColumns.EmployeeId),
            row.GetString(ReadModelColumns.Department),
            row.GetString(ReadModelColumns.Title),
            Json(row, ReadModelColumns.Roles),
            Json(row, ReadModelColumns.Groups),
            History(row)))], token);
    }

    public async Task<RecordPage<MemberRecord>> MembersAsync(string organizationId, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        var (rows, token) = await PageAsync(StateTables.Memberships, organizationId, pageSize, continuation, cancellationToken).ConfigureAwait(false);
        return new RecordPage<MemberRecord>([.. rows.Select(row => new MemberRecord(
            organizationId, IdOf(row), row.GetString(ReadModelColumns.Email), row.GetString(ReadModelColumns.MembershipStatus), Json(row, ReadModelColumns.Roles), History(row)))], token);
    }

    /// <summary>How many members of the organization have a live, active membership.</summary>
    public async Task<int> ActiveMembersAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        var count = 0;
        await foreach (var row in Table(StateTables.Memberships).QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {StorageKeys.Key(organizationId)}"),
            select: [ReadModelColumns.MembershipStatus, StateStore.DeletedAt], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (!row.ContainsKey(StateStore.DeletedAt) && row.GetString(ReadModelColumns.MembershipStatus) is null or "ACTIVE")
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>The groups a directory user is a live member of.</summary>
    public async Task<IReadOnlyList<string>> GroupsOfAsync(string organizationId, string directoryUserId, CancellationToken cancellationToken = default)
    {
        var groups = new List<string>();
        await foreach (var row in Table(StateTables.DirectoryGroupMembers).QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {StorageKeys.Key(organizationId)} and UserId eq {directoryUserId}"),
            select: [ReadModelColumns.GroupId], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            groups.Add(row.GetString(ReadModelColumns.GroupId));
        }

        return groups;
    }

    /// <summary>The organizations that verified <paramref name="domain"/> and did not delete it since.</summary>
    public async Task<IReadOnlyCollection<string>> OrganizationsWithVerifiedDomainAsync(string domain, CancellationToken cancellationToken = default)
    {
        var organizations = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var row in Table(StateTables.DomainOrganizations).QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {StorageKeys.Key(domain.ToLowerInvariant())}"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (VerifiedStatuses.Contains(row.GetString(ReadModelColumns.VerificationStatus), StringComparer.OrdinalIgnoreCase) && History(row).DeletedAt is null
                && row.GetString(ReadModelColumns.OrganizationId) is { } organizationId)
            {
                organizations.Add(organizationId);
            }
        }

        return organizations;
    }

    public async Task<CustomerRecord?> CustomerAsync(string customerId, CancellationToken cancellationToken = default)
    {
        var row = await GetAsync(StateTables.Customers, customerId, customerId, cancellationToken).ConfigureAwait(false);
        return row is null ? null : new CustomerRecord(
            customerId,
            row.GetString(ReadModelColumns.Email),
            row.GetString(ReadModelColumns.Name),
            row.GetString(ReadModelColumns.BillingStatus),
            row.GetDateTimeOffset(ReadModelColumns.DeletedOn),
            row.GetString(ReadModelColumns.CheckoutSessionId),
            row.GetString(ReadModelColumns.CheckoutSubscriptionId),
            row.GetString(ReadModelColumns.ClientReferenceId),
            Strings(row, ReadModelColumns.ActiveEntitlements),
            History(row));
    }

    /// <summary>Every subscription of the customer (one partition).</summary>
    public async Task<IReadOnlyList<SubscriptionRecord>> SubscriptionsAsync(string customerId, CancellationToken cancellationToken = default)
    {
        var subscriptions = new List<SubscriptionRecord>();
        await foreach (var row in Table(StateTables.Subscriptions).QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {StorageKeys.Key(customerId)}"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            subscriptions.Add(new SubscriptionRecord(
                customerId,
                row.GetString(ReadModelColumns.SubscriptionId) ?? IdOf(row),
                row.GetString(ReadModelColumns.Status),
                row.GetString(ReadModelColumns.PriceLookupKey),
                row.GetString(ReadModelColumns.PlanType),
                Strings(row, ReadModelColumns.Features),
                row.GetDateTimeOffset(ReadModelColumns.CurrentPeriodEnd),
                row.GetDateTimeOffset(ReadModelColumns.Created),
                row.GetBoolean(ReadModelColumns.CancelAtPeriodEnd),
                row.GetDateTimeOffset(ReadModelColumns.TrialEnd),
                History(row)));
        }

        return subscriptions;
    }

    private readonly ConcurrentDictionary<string, TableClient> _tables = new(StringComparer.Ordinal);

    // A table client is thread-safe and not free to build (it parses its URI): one per table for the store's lifetime.
    private TableClient Table(string name) => _tables.GetOrAdd(name, static (table, all) => all.Tables.GetTableClient(table), clients);

    private async Task<TableEntity?> GetAsync(string table, string partitionId, string rowId, CancellationToken cancellationToken)
    {
        NullableResponse<TableEntity> row = await Table(table).GetEntityIfExistsAsync<TableEntity>(StorageKeys.Key(partitionId), StorageKeys.Key(rowId), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value : null;
    }

    private async Task<(IReadOnlyList<TableEntity> Rows, string? Token)> PageAsync(string table, string partitionId, int pageSize, string? continuation, CancellationToken cancellationToken)
    {
        var query = Table(table).QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {StorageKeys.Key(partitionId)}"), pageSize, cancellationToken: cancellationToken);
        await foreach (var page in query.AsPages(continuation, pageSize).ConfigureAwait(false))
        {
            return (page.Values, page.ContinuationToken);
        }

        return ([], null);
    }

    private async Task<int> CountLiveAsync(string table, string partitionId, CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var row in Table(table).QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {StorageKeys.Key(partitionId)}"),
            select: [StateStore.DeletedAt], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (!row.ContainsKey(StateStore.DeletedAt) || row[StateStore.DeletedAt] is null)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>The id the row was written for (rows from before ids were stored fall back to the key).</summary>
    private static string IdOf(TableEntity row) => StateStore.IdOf(row, StateStore.RowId, row.RowKey) ?? row.RowKey;

    private static RowHistory History(TableEntity row) => new(
        StateStore.StampOf(row),
        row.TryGetValue(StateStore.DeletedAt, out var deleted) && deleted is not null ? Time(deleted) : null,
        row.GetDateTimeOffset(StateStore.ErasedAt));

    // Deletion times come from the event as text or from the stamp as a time.
    private static DateTimeOffset? Time(object value) => value switch
    {
        DateTimeOffset time => time,
        DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
        string text when DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed) => parsed,
        _ => null,
    };

    private static JsonElement? Json(TableEntity row, string column)
    {
        if (row.GetString(column) is not { } text)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string[] Strings(TableEntity row, string column) =>
        row.GetString(column) is { } json ? JsonSerializer.Deserialize<string[]>(json) ?? [] : [];
}

/// <summary>
/// The columns of the read-model tables, besides the ones every row carries (<see cref="StateStore"/>): the event
/// mappers write them through <see cref="StateChange"/>, <see cref="ReadModel"/> reads them, and no other code
/// spells a column.
/// </summary>
public static class ReadModelColumns
{
    public const string Active = "Active";
    public const string ActiveEntitlements = "ActiveEntitlements";
    public const string AmountDue = "AmountDue";
    public const string AmountPaid = "AmountPaid";
    public const string AuthorizationType = "AuthorizationType";
    public const string BillingStatus = "BillingStatus";
    public const string CancelAtPeriodEnd = "CancelAtPeriodEnd";
    public const string CheckoutSessionId = "CheckoutSessionId";
    public const string CheckoutSubscriptionId = "CheckoutSubscriptionId";
    public const string ClientReferenceId = "ClientReferenceId";
    public const string ConnectionType = "ConnectionType";
    public const string Connector = "Connector";
    public const string CostCenter = "CostCenter";
    public const string CreateTime = "CreateTime";
    public const string Created = "Created";
    public const string Currency = "Currency";
    public const string CurrentPeriodEnd = "CurrentPeriodEnd";
    public const string CustomAttributes = "CustomAttributes";
    public const string DeletedOn = "DeletedOn";
    public const string Department = "Department";
    public const string Description = "Description";
    public const string Device = "Device";
    public const string DirectoryId = "DirectoryId";
    public const string DirectoryType = "DirectoryType";
    public const string DisplayName = "DisplayName";
    public const string Division = "Division";
    public const string Domain = "Domain";
    public const string DomainType = "DomainType";
    public const string DpId = "DpId";
    public const string Email = "Email";
    public const string EmployeeId = "EmployeeId";
    public const string Enabled = "Enabled";
    public const string Extends = "Extends";
    public const string ExternalId = "ExternalId";
    public const string FamilyName = "FamilyName";
    public const string Features = "Features";
    public const string GivenName = "GivenName";
    public const string GroupId = "GroupId";
    public const string Groups = "Groups";
    public const string GroupIds = "GroupIds";
    public const string GroupIdsSettled = "GroupIdsSettled";
    public const string Identifier = "Identifier";
    public const string LastUsedAt = "LastUsedAt";
    public const string LoggedIn = "LoggedIn";
    public const string Manager = "Manager";
    public const string MembershipStatus = "MembershipStatus";
    public const string Metadata = "Metadata";
    public const string Name = "Name";
    public const string Organization = "Organization";
    public const string OrganizationId = "OrganizationId";
    public const string Outcome = "Outcome";
    public const string PermissionId = "PermissionId";
    public const string PlanType = "PlanType";
    public const string PreferredUsername = "PreferredUsername";
    public const string PriceLookupKey = "PriceLookupKey";
    public const string Provider = "Provider";
    public const string RegionCode = "RegionCode";
    public const string RoleId = "RoleId";
    public const string Roles = "Roles";
    public const string Status = "Status";
    public const string SubscriptionId = "SubscriptionId";
    public const string Title = "Title";
    public const string TrialEnd = "TrialEnd";
    public const string UpdateTime = "UpdateTime";
    public const string UpdatedAt = "UpdatedAt";
    public const string UserId = "UserId";
    public const string VerificationMethod = "VerificationMethod";
    public const string VerificationStatus = "VerificationStatus";
}
