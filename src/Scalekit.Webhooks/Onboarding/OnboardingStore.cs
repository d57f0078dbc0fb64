using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.Privacy;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Onboarding;

/// <summary>How many onboardings started in a window and where they stand now.</summary>
public sealed record OnboardingCounts(int Started, int Completed, int Failed, int InProgress, DateTimeOffset? LastCompletedAt, DateTimeOffset? LastFailedAt, string? LastFailure, double? AverageDurationMs);

/// <summary>
/// The onboarding table: the only code that knows its name, keys and columns. Each onboarding is a partition of its
/// own with two rows: the state (<c>state</c>) and the run lease (<c>lease</c>), which lets one consumer at a time run
/// its steps.
/// </summary>
public sealed class OnboardingStore(StorageClients clients, TimeProvider time)
{
    private const string StateRow = "state";
    private const string LeaseRow = "lease";

    /// <summary>The admin an onboarding invited: found by email or by the Scalekit user id.</summary>
    public static PersonalDataTable PersonalData { get; } = new(StorageNames.OnboardingTable, ["AdminEmail"], new Dictionary<ErasureSubjectKind, string>
    {
        [ErasureSubjectKind.Email] = "AdminEmail",
        [ErasureSubjectKind.UserId] = "AdminUserId",
    }, new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.UserId] = "AdminUserId", [ErasureSubjectKind.Email] = "AdminEmail" });

    private TableClient Table => clients.Tables.GetTableClient(StorageNames.OnboardingTable);

    /// <summary>Adds <paramref name="record"/>, or returns the onboarding that already has its id (the same Stripe customer).</summary>
    public async Task<(OnboardingRecord Record, bool Created)> AddOrGetAsync(OnboardingRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        try
        {
            await Table.AddEntityAsync(ToRow(record), cancellationToken).ConfigureAwait(false);
            return (record, true);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return (await GetAsync(record.Id, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Onboarding {record.Id} exists and cannot be read."), false);
        }
    }

    public async Task<OnboardingRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(StorageKeys.Key(id), StateRow, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? FromRow(row.Value!) : null;
    }

    /// <summary>Writes the whole state; the caller holds the run lease (or is the request that reopens a finished onboarding).</summary>
    public Task SaveAsync(OnboardingRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return Table.UpsertEntityAsync(ToRow(record), TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>
    /// Takes the run lease for <paramref name="duration"/> (an ETag-checked write); null while another consumer holds
    /// it. A lease whose holder crashed lapses after its duration.
    /// </summary>
    public async Task<OnboardingLease?> TryLeaseAsync(string id, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var partition = StorageKeys.Key(id);
        var now = time.GetUtcNow();
        var lease = new TableEntity(partition, LeaseRow) { ["LeasedUntil"] = now + duration };
        var current = await Table.GetEntityIfExistsAsync<TableEntity>(partition, LeaseRow, cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            if (!current.HasValue)
            {
                var added = await Table.AddEntityAsync(lease, cancellationToken).ConfigureAwait(false);
                return new OnboardingLease(id, added.Headers.ETag ?? ETag.All);
            }

            if (RowLease.HeldUntil(current.Value!, "LeasedUntil", now) is not null)
            {
                return null;
            }

            var updated = await Table.UpdateEntityAsync(lease, current.Value!.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return new OnboardingLease(id, updated.Headers.ETag ?? ETag.All);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return null;
        }
    }

    /// <summary>Gives the lease back, unless it lapsed and another consumer took it meanwhile.</summary>
    public async Task ReleaseAsync(OnboardingLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        try
        {
            await Table.DeleteEntityAsync(StorageKeys.Key(lease.Id), LeaseRow, lease.ETag, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // Lapsed and taken (or already gone): it is not ours to delete.
        }
    }

    /// <summary>One page of onboardings (in key order), only those in <paramref name="status"/> when it is given.</summary>
    public async Task<(IReadOnlyList<OnboardingRecord> Items, string? Token)> ListAsync(string? status, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        var filter = status is null
            ? TableClient.CreateQueryFilter($"RowKey eq {StateRow}")
            : TableClient.CreateQueryFilter($"RowKey eq {StateRow} and Status eq {status}");
        await foreach (var page in Table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken).AsPages(continuation, pageSize).ConfigureAwait(false))
        {
            return ([.. page.Values.Select(FromRow)], page.ContinuationToken);
        }

        return ([], null);
    }

    /// <summary>Onboardings started since <paramref name="since"/>, by where they stand now.</summary>
    public async Task<OnboardingCounts> CountAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        int started = 0, completed = 0, failed = 0;
        DateTimeOffset? lastCompleted = null, lastFailed = null;
        string? lastFailure = null;
        double totalMs = 0;
        var filter = TableClient.CreateQueryFilter($"RowKey eq {StateRow} and StartedAt ge {since}");
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, select: ["Status", "Reason", "StartedAt", "UpdatedAt", "CompletedAt"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            started++;
            switch (row.GetString("Status"))
            {
                case OnboardingStatus.Completed when row.GetDateTimeOffset("CompletedAt") is { } at:
                    completed++;
                    lastCompleted = at > (lastCompleted ?? DateTimeOffset.MinValue) ? at : lastCompleted;
                    totalMs += Math.Max(0, (at - (row.GetDateTimeOffset("StartedAt") ?? at)).TotalMilliseconds);
                    break;
                case OnboardingStatus.Failed:
                    failed++;
                    var failedAt = row.GetDateTimeOffset("UpdatedAt");
                    if (failedAt > (lastFailed ?? DateTimeOffset.MinValue))
                    {
                        lastFailed = failedAt;
                        lastFailure = row.GetString("Reason");
                    }

                    break;
            }
        }

        return new OnboardingCounts(started, completed, failed, started - completed - failed, lastCompleted, lastFailed, lastFailure,
            completed == 0 ? null : Math.Round(totalMs / completed, 1));
    }

    private static TableEntity ToRow(OnboardingRecord record)
    {
        var request = record.Request;
        var row = new TableEntity(StorageKeys.Key(record.Id), StateRow)
        {
            ["Id"] = record.Id,
            ["CompanyName"] = request.CompanyName,
            ["AdminEmail"] = request.AdminEmail,
            ["PlanType"] = request.PlanType,
            ["StripeCustomerId"] = request.StripeCustomerId,
            ["SalesforceAccountId"] = request.SalesforceAccountId,
            ["Status"] = record.Status,
            ["Reason"] = record.Reason,
            ["OrganizationId"] = record.OrganizationId,
            ["AdminUserId"] = record.AdminUserId,
            ["StartedAt"] = record.StartedAt,
            ["UpdatedAt"] = record.UpdatedAt,
            ["CompletedAt"] = record.CompletedAt,
        };
        foreach (var step in record.Steps)
        {
            var prefix = step.Step.ToString();
            row[prefix + "Status"] = step.Status;
            row[prefix + "Detail"] = step.Detail;
            row[prefix + "Attempts"] = step.Attempts;
            row[prefix + "LastError"] = step.LastError;
            row[prefix + "At"] = step.UpdatedAt;
        }

        return row;
    }

    private static OnboardingRecord FromRow(TableEntity row) => new(
        row.GetString("Id") ?? row.PartitionKey,
        new OnboardingRequest(
            row.GetString("CompanyName") ?? string.Empty,
            // Empty once erased for privacy.
            row.GetString("AdminEmail") ?? string.Empty,
            row.GetString("PlanType") ?? string.Empty,
            row.GetString("StripeCustomerId") ?? string.Empty,
            row.GetString("SalesforceAccountId")),
        row.GetString("Status") ?? OnboardingStatus.Running,
        row.GetString("Reason"),
        row.GetString("OrganizationId"),
        row.GetString("AdminUserId"),
        [.. Enum.GetValues<OnboardingStep>().Select(step =>
        {
            var prefix = step.ToString();
            return new OnboardingStepState(step, row.GetString(prefix + "Status") ?? OnboardingStatus.Pending, row.GetString(prefix + "Detail"),
                row.GetInt32(prefix + "Attempts") ?? 0, row.GetString(prefix + "LastError"), row.GetDateTimeOffset(prefix + "At"));
        })],
        row.GetDateTimeOffset("StartedAt") ?? default,
        row.GetDateTimeOffset("UpdatedAt") ?? default,
        row.GetDateTimeOffset("CompletedAt"));
}

/// <summary>One consumer's right to run an onboarding's steps.</summary>
public sealed record OnboardingLease(string Id, ETag ETag);
