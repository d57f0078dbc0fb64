using Azure;
using Azure.Data.Tables;
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
public sealed record EmployeeLease(string OrganizationId, string EmployeeId, string LeaseId, EmployeeRecord? Known);

/// <summary>Another consumer is syncing this employee; the delivery is retried by the queue, so events apply one at a time, in order.</summary>
public sealed class EmployeeSyncInProgressException(string organizationId, string employeeId, DateTimeOffset leasedUntil)
    : Exception($"Employee {employeeId} of organization {organizationId} is being synced by another consumer (until {leasedUntil:O}); this delivery will be retried.");

/// <summary>The employees read model: one row per organization and HR employee id, written in event order.</summary>
public sealed class EmployeeStore(StateStore store, StorageClients clients, TimeProvider time)
{
    /// <summary>How long a sync may hold an employee before another consumer may take over (a crashed consumer's lease lapses).</summary>
    public static readonly TimeSpan SyncLease = TimeSpan.FromMinutes(2);

    private const string LeaseIdColumn = "SyncLeaseId";
    private const string LeaseUntilColumn = "SyncLeaseUntil";

    private TableClient Table => clients.Tables.GetTableClient(StateTables.Employees);

    /// <summary>
    /// Takes the employee's sync lease (an ETag-checked write), so two events for one employee never call Scalekit at
    /// the same time and the order check stays true until the result is saved. Throws
    /// <see cref="EmployeeSyncInProgressException"/> while another consumer holds it.
    /// </summary>
    public async Task<EmployeeLease> AcquireAsync(string organizationId, string employeeId, CancellationToken cancellationToken = default)
    {
        // The previous event of the same employee usually gives its lease back within moments: waiting briefly here
        // beats leaving the delivery to the queue's retry, which comes only after the visibility timeout (30 s).
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryAcquireAsync(organizationId, employeeId, cancellationToken).ConfigureAwait(false);
            }
            catch (EmployeeSyncInProgressException) when (attempt < LeaseWaitAttempts)
            {
                await Task.Delay(LeaseWaitInterval, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private const int LeaseWaitAttempts = 15;

    private static readonly TimeSpan LeaseWaitInterval = TimeSpan.FromMilliseconds(200);

    private async Task<EmployeeLease> TryAcquireAsync(string organizationId, string employeeId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var leaseId = Guid.NewGuid().ToString("N");
        NullableResponse<TableEntity> current = await Table.GetEntityIfExistsAsync<TableEntity>(StorageKeys.Key(organizationId), StorageKeys.Key(employeeId), cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            if (!current.HasValue)
            {
                await Table.AddEntityAsync(new TableEntity(StorageKeys.Key(organizationId), StorageKeys.Key(employeeId))
                {
                    ["OrganizationId"] = organizationId,
                    ["EmployeeId"] = employeeId,
                    [LeaseIdColumn] = leaseId,
                    [LeaseUntilColumn] = now + SyncLease,
                }, cancellationToken).ConfigureAwait(false);
                return new EmployeeLease(organizationId, employeeId, leaseId, null);
            }

            var row = current.Value!;
            if (row.GetDateTimeOffset(LeaseUntilColumn) is { } until && until > now)
            {
                throw new EmployeeSyncInProgressException(organizationId, employeeId, until);
            }

            var known = From(row);
            row[LeaseIdColumn] = leaseId;
            row[LeaseUntilColumn] = now + SyncLease;
            await Table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return new EmployeeLease(organizationId, employeeId, leaseId, known.LastEvent is null && known.LastSyncResult is null ? null : known);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Another consumer took the lease between our read and our write.
            throw new EmployeeSyncInProgressException(organizationId, employeeId, now + SyncLease);
        }
    }

    /// <summary>Gives the lease back, unless it lapsed and another consumer holds it now.</summary>
    public async Task ReleaseAsync(EmployeeLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
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
            await Table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Writes the employee as <paramref name="stamp"/> left them, unless a newer event already did.</summary>
    public Task<ApplyResult> SaveAsync(EmployeeRecord employee, EventStamp stamp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(employee);
        return store.ApplyAsync(new StateChange(StateTables.Employees, employee.OrganizationId, employee.EmployeeId, new Dictionary<string, object?>
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
        }), stamp, cancellationToken);
    }

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
