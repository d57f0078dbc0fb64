using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.Billing;
using Scalekit.Webhooks.Storage;

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
    private static readonly string[] VerifiedStatuses = ["VERIFIED", "AUTO_VERIFIED"];

    public async Task<OrganizationRecord?> OrganizationAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(organizationId);
        var row = await GetAsync(StateTables.Organizations, organizationId, organizationId, cancellationToken).ConfigureAwait(false);
        return row is null ? null : new OrganizationRecord(
            organizationId,
            row.GetString("DisplayName"),
            row.GetString("ExternalId"),
            row.GetString("RegionCode"),
            row.GetString("CreateTime"),
            row.GetString("UpdateTime"),
            Json(row, "Metadata"),
            Json(row, "Features"),
            History(row));
    }

    /// <summary>The organization's metadata as string pairs (what billing merges its keys into); empty when unknown.</summary>
    public async Task<IReadOnlyDictionary<string, string>> OrganizationMetadataAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        var row = await GetAsync(StateTables.Organizations, organizationId, organizationId, cancellationToken).ConfigureAwait(false);
        return row?.GetString("Metadata") is { } json ? JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [] : new Dictionary<string, string>();
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
            row.GetString("Email"),
            row.GetBoolean("Active"),
            row.GetString("Name"),
            row.GetString("GivenName"),
            row.GetString("FamilyName"),
            row.GetString("PreferredUsername"),
            row.GetString("EmployeeId"),
            row.GetString("Department"),
            row.GetString("Title"),
            Json(row, "Roles"),
            Json(row, "Groups"),
            History(row)))], token);
    }

    public async Task<RecordPage<MemberRecord>> MembersAsync(string organizationId, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        var (rows, token) = await PageAsync(StateTables.Memberships, organizationId, pageSize, continuation, cancellationToken).ConfigureAwait(false);
        return new RecordPage<MemberRecord>([.. rows.Select(row => new MemberRecord(
            organizationId, IdOf(row), row.GetString("Email"), row.GetString("MembershipStatus"), Json(row, "Roles"), History(row)))], token);
    }

    /// <summary>How many members of the organization have a live, active membership.</summary>
    public async Task<int> ActiveMembersAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        var count = 0;
        await foreach (var row in Table(StateTables.Memberships).QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {StorageKeys.Key(organizationId)}"),
            select: ["MembershipStatus", StateStore.DeletedAt], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (!row.ContainsKey(StateStore.DeletedAt) && row.GetString("MembershipStatus") is null or "ACTIVE")
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
            select: ["GroupId"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            groups.Add(row.GetString("GroupId"));
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
            if (VerifiedStatuses.Contains(row.GetString("VerificationStatus"), StringComparer.OrdinalIgnoreCase) && History(row).DeletedAt is null
                && row.GetString("OrganizationId") is { } organizationId)
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
            row.GetString("Email"),
            row.GetString("Name"),
            row.GetString("BillingStatus"),
            row.GetDateTimeOffset("DeletedOn"),
            row.GetString("CheckoutSessionId"),
            row.GetString("CheckoutSubscriptionId"),
            row.GetString("ClientReferenceId"),
            Strings(row, "ActiveEntitlements"),
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
                row.GetString("SubscriptionId") ?? IdOf(row),
                row.GetString("Status"),
                row.GetString("PriceLookupKey"),
                row.GetString("PlanType"),
                Strings(row, "Features"),
                row.GetDateTimeOffset("CurrentPeriodEnd"),
                row.GetDateTimeOffset("Created"),
                row.GetBoolean("CancelAtPeriodEnd"),
                row.GetDateTimeOffset("TrialEnd"),
                History(row)));
        }

        return subscriptions;
    }

    private TableClient Table(string name) => clients.Tables.GetTableClient(name);

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
