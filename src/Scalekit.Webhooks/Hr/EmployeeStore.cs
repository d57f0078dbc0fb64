using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.Privacy;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Hr;

/// <summary>An employee as this pipeline last synced them into Scalekit.</summary>
public sealed record EmployeeRecord(string OrganizationId, string EmployeeId)
{
    public string? Email { get; init; }

    public string? ScalekitUserId { get; init; }

    /// <summary><c>active</c>, <c>on_leave</c> or <c>terminated</c>.</summary>
    public string? Status { get; init; }

    public string? Department { get; init; }

    public string? Title { get; init; }

    /// <summary>Whether the membership in the organization was removed (a termination in remove-membership mode).</summary>
    public bool MembershipRemoved { get; init; }

    /// <summary>The last event applied to this employee; older events are stale-skipped.</summary>
    public EventStamp? LastEvent { get; init; }

    /// <summary><c>created</c>, <c>updated</c>, <c>unchanged</c>, <c>terminated</c>, <c>no-user</c>, <c>dry-run</c> or <c>failed</c>.</summary>
    public string? LastSyncResult { get; init; }

    public string? LastSyncDetail { get; init; }

    public DateTimeOffset? LastSyncAt { get; init; }
}

/// <summary>One consumer's exclusive right to sync one employee, and the employee as it found them (null: never seen).</summary>
public sealed record EmployeeLease(string OrganizationId, string EmployeeId, string LeaseId, EmployeeRecord? Known)
{
    /// <summary>The row as taking the lease wrote it, with its ETag; null once the lease is given back.</summary>
    internal TableEntity? Held { get; set; }
}

/// <summary>The employees read model: one row per organization and HR employee id, written in event order.</summary>
public sealed class EmployeeStore(StateStore store, StorageClients clients, TimeProvider time)
{
    /// <summary>How long a sync may hold an employee before another consumer may take over (a crashed consumer's lease lapses).</summary>
    public static readonly TimeSpan SyncLease = TimeSpan.FromMinutes(2);

    /// <summary>What the HR system said about a person and what was sent for them.</summary>
    public static PersonalDataTable PersonalData { get; } = new(StateTables.Employees,
        ["Email", "Department", "Title", "LastSyncDetail"],
        new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.Email] = "Email", [ErasureSubjectKind.UserId] = "ScalekitUserId" },
        new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.UserId] = "ScalekitUserId", [ErasureSubjectKind.Email] = "Email" });

    private const string LeaseIdColumn = "SyncLeaseId";
    private const string ScalekitUserIdColumn = "ScalekitUserId";
    private const string LeaseUntilColumn = "SyncLeaseUntil";

    private TableClient? _table;

    private TableClient Table => _table ??= clients.Tables.GetTableClient(StateTables.Employees);

    /// <summary>
    /// Takes the employee's sync lease (an ETag-checked write), so two events for one employee never call Scalekit at
    /// the same time and the order check stays true until the result is saved. Throws <see cref="RowBusyException"/>
    /// while another consumer holds it (so the queue retries the delivery and events apply one at a time, in order).
    /// </summary>
    public Task<EmployeeLease> AcquireAsync(string organizationId, string employeeId, CancellationToken cancellationToken = default) =>
        // The previous event of the same employee usually gives its lease back within moments: waiting briefly here
        // beats leaving the delivery to the queue's retry, which comes only after the visibility timeout (30 s). The
        // wait is on the wall clock: it is for another consumer's real work to finish.
        RowLease.AcquireAsync(token => TryAcquireAsync(organizationId, employeeId, token), LeaseWait, $"Employee {employeeId} of organization {organizationId}", cancellationToken);

    private static readonly LeaseWait LeaseWait = new(15, TimeSpan.FromMilliseconds(200), TimeProvider.System);

    /// <summary>The employee's lease, or null while another consumer holds it.</summary>
    private async Task<EmployeeLease?> TryAcquireAsync(string organizationId, string employeeId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var leaseId = Guid.NewGuid().ToString("N");
        var (partitionKey, rowKey) = (StorageKeys.Key(organizationId), StorageKeys.Key(employeeId));
        if (store.Recall(StateTables.Employees, partitionKey, rowKey) is { } remembered && !IsLeased(remembered, now))
        {
            // As this process wrote the row last: take the lease on its ETag, and read only if someone wrote it since.
            try
            {
                return await TakeAsync(remembered, organizationId, employeeId, leaseId, now, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412)
            {
            }
        }

        NullableResponse<TableEntity> current = await Table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            if (!current.HasValue)
            {
                var added = new TableEntity(partitionKey, rowKey)
                {
                    ["OrganizationId"] = organizationId,
                    ["EmployeeId"] = employeeId,
                    [LeaseIdColumn] = leaseId,
                    [LeaseUntilColumn] = now + SyncLease,
                };
                var response = await Table.AddEntityAsync(added, cancellationToken).ConfigureAwait(false);
                added.ETag = response.Headers.ETag ?? default;
                store.RememberWritten(StateTables.Employees, added, added.ETag);
                return new EmployeeLease(organizationId, employeeId, leaseId, null) { Held = added };
            }

            var row = current.Value!;
            if (IsLeased(row, now))
            {
                return null;
            }

            return await TakeAsync(row, organizationId, employeeId, leaseId, now, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Another consumer took the lease between our read and our write.
            return null;
        }
    }

    private static bool IsLeased(TableEntity row, DateTimeOffset now) => RowLease.HeldUntil(row, LeaseUntilColumn, now) is not null;

    private async Task<EmployeeLease> TakeAsync(TableEntity row, string organizationId, string employeeId, string leaseId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var known = From(row);
        row[LeaseIdColumn] = leaseId;
        row[LeaseUntilColumn] = now + SyncLease;
        var response = await Table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        row.ETag = response.Headers.ETag ?? default;
        store.RememberWritten(StateTables.Employees, row, row.ETag);
        return new EmployeeLease(organizationId, employeeId, leaseId, known.LastEvent is null && known.LastSyncResult is null ? null : known) { Held = row };
    }

    /// <summary>Gives the lease back, unless it lapsed and another consumer holds it now (or the save gave it back already).</summary>
    public async Task ReleaseAsync(EmployeeLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (lease.Held is not { } held)
        {
            return;
        }

        lease.Held = null;
        var released = new TableEntity(held) { ETag = held.ETag };
        released.Remove(LeaseIdColumn);
        released.Remove(LeaseUntilColumn);
        try
        {
            // Nobody wrote the row since the lease was taken (or the ETag says otherwise and it is read again).
            var response = await Table.UpdateEntityAsync(released, held.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            store.RememberWritten(StateTables.Employees, released, response.Headers.ETag ?? default);
            return;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
        }

        NullableResponse<TableEntity> current = await Table.GetEntityIfExistsAsync<TableEntity>(StorageKeys.Key(lease.OrganizationId), StorageKeys.Key(lease.EmployeeId), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!current.HasValue || current.Value!.GetString(LeaseIdColumn) != lease.LeaseId)
        {
            return;
        }

        var row = current.Value!;
        row.Remove(LeaseIdColumn);
        row.Remove(LeaseUntilColumn);
        try
        {
            var response = await Table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            store.RememberWritten(StateTables.Employees, row, response.Headers.ETag ?? default);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // Changed or removed meanwhile: the lease is no longer ours to clear.
        }
    }

    public async Task<EmployeeRecord?> FindAsync(string organizationId, string employeeId, CancellationToken cancellationToken = default)
    {
        NullableResponse<TableEntity> row = await Table.GetEntityIfExistsAsync<TableEntity>(StorageKeys.Key(organizationId), StorageKeys.Key(employeeId), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? From(row.Value!) : null;
    }

    /// <summary>
    /// Writes the employee as <paramref name="stamp"/> left them, unless a newer event already did, and gives the lease
    /// back in the same write when the row still carries it (the write is conditional on the lease's ETag, so it reads
    /// nothing unless someone else wrote the row meanwhile).
    /// </summary>
    public async Task<ApplyResult> SaveAsync(EmployeeLease lease, EmployeeRecord employee, EventStamp stamp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(employee);
        var change = new StateChange(StateTables.Employees, employee.OrganizationId, employee.EmployeeId, new Dictionary<string, object?>
        {
            ["OrganizationId"] = employee.OrganizationId,
            ["EmployeeId"] = employee.EmployeeId,
            ["Email"] = employee.Email,
            ["ScalekitUserId"] = employee.ScalekitUserId,
            ["Status"] = employee.Status,
            ["Department"] = employee.Department,
            ["Title"] = employee.Title,
            ["MembershipRemoved"] = employee.MembershipRemoved,
            ["LastSyncResult"] = employee.LastSyncResult,
            ["LastSyncDetail"] = Truncate(employee.LastSyncDetail),
            ["LastSyncAt"] = time.GetUtcNow(),
        });
        var write = await store.ApplyAsync(change, stamp, row => HeldBy(row, lease) ? LeaseGivenBack : NothingMore, cancellationToken).ConfigureAwait(false);
        if (write.Result == ApplyResult.Applied && !write.Repeated && HeldBy(write.Row, lease))
        {
            lease.Held = null;
        }

        return write.Result;
    }

    private static readonly Dictionary<string, object?> LeaseGivenBack = new() { [LeaseIdColumn] = null, [LeaseUntilColumn] = null };

    private static readonly Dictionary<string, object?> NothingMore = [];

    private static bool HeldBy(IReadOnlyDictionary<string, object>? row, EmployeeLease lease) =>
        row is not null && row.TryGetValue(LeaseIdColumn, out var id) && id as string == lease.LeaseId;

    /// <summary>Records a failed sync without moving the employee's event order, so the event can still be retried.</summary>
    public async Task RecordFailureAsync(string organizationId, string employeeId, string detail, CancellationToken cancellationToken = default)
    {
        var row = new TableEntity(StorageKeys.Key(organizationId), StorageKeys.Key(employeeId))
        {
            ["OrganizationId"] = organizationId,
            ["EmployeeId"] = employeeId,
            ["LastSyncResult"] = "failed",
            ["LastSyncDetail"] = Truncate(detail),
            ["LastSyncAt"] = time.GetUtcNow(),
        };
        await Table.UpsertEntityAsync(row, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One page of an organization's employees.</summary>
    public async Task<(IReadOnlyList<EmployeeRecord> Employees, string? ContinuationToken)> ListAsync(string organizationId, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        var query = Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {StorageKeys.Key(organizationId)}"), pageSize, cancellationToken: cancellationToken);
        await foreach (var page in query.AsPages(continuation, pageSize).ConfigureAwait(false))
        {
            return ([.. page.Values.Select(From)], page.ContinuationToken);
        }

        return ([], null);
    }

    /// <summary>
    /// How many of the organization's employees have a Scalekit user, counting at most <paramref name="max"/> rows;
    /// null when there are more (the caller says "more than").
    /// </summary>
    public async Task<int?> CountSyncedAsync(string organizationId, int max, CancellationToken cancellationToken = default)
    {
        var (rows, synced) = (0, 0);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {StorageKeys.Key(organizationId)}");
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, select: [ScalekitUserIdColumn], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (++rows > max)
            {
                return null;
            }

            synced += string.IsNullOrEmpty(row.GetString(ScalekitUserIdColumn)) ? 0 : 1;
        }

        return synced;
    }

    private static EmployeeRecord From(TableEntity row) => new(row.GetString("OrganizationId") ?? row.PartitionKey, row.GetString("EmployeeId") ?? row.RowKey)
    {
        Email = row.GetString("Email"),
        ScalekitUserId = row.GetString("ScalekitUserId"),
        Status = row.GetString("Status"),
        Department = row.GetString("Department"),
        Title = row.GetString("Title"),
        MembershipRemoved = row.GetBoolean("MembershipRemoved") ?? false,
        LastEvent = StateStore.StampOf(row),
        LastSyncResult = row.GetString("LastSyncResult"),
        LastSyncDetail = row.GetString("LastSyncDetail"),
        LastSyncAt = row.GetDateTimeOffset("LastSyncAt"),
    };

    private static string? Truncate(string? text) => text is { Length: > 8_000 } ? text[..8_000] + "…" : text;
}
