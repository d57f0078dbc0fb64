using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Crm;

/// <summary>
/// What the CRM sync did (kind: a scheduled run or an account update), how it ended (success, failure or deferred),
/// when, how long it took, what it said, and the Salesforce API usage last reported.
/// </summary>
public sealed record CrmActivity(string Kind, string Outcome, DateTimeOffset At, double DurationMs, string Detail, ApiUsage? Usage);

/// <summary>The CRM sync's refusal for one organization whose metadata has no room for its keys.</summary>
public sealed record CrmOverBudget(string OrganizationId, string? AccountId, DateTimeOffset At, string Reason, IReadOnlyList<string> OrganizationKeys);

/// <summary>
/// The CRM sync's own table: the incremental watermarks (one per Salesforce object), the organizations whose metadata
/// was too full for the CRM keys (listed with billing's by <c>?over_budget=true</c>), and a log of runs and account
/// updates that the health report reads.
/// </summary>
public sealed class CrmSyncStore(StorageClients clients)
{
    public const string ScheduledRun = "sync";
    public const string AccountPush = "push";
    public const string Success = "success";
    public const string Failure = "failure";
    public const string Deferred = "deferred";

    private const string Watermarks = "watermark";
    private const string OverBudgetPartition = "over-budget";
    private const string ActivityPartition = "activity";

    private TableClient? _table;

    private TableClient Table => _table ??= clients.Tables.GetTableClient(StorageNames.CrmSyncTable);

    /// <summary>The newest <c>SystemModstamp</c> of <paramref name="objectType"/> applied or parked, or null before the first run.</summary>
    public async Task<DateTimeOffset?> GetWatermarkAsync(string objectType, CancellationToken cancellationToken = default)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(Watermarks, objectType, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value!.GetDateTimeOffset("Watermark") : null;
    }

    public Task SetWatermarkAsync(string objectType, DateTimeOffset watermark, CancellationToken cancellationToken = default) =>
        Table.UpsertEntityAsync(new TableEntity(Watermarks, objectType) { ["Watermark"] = watermark }, TableUpdateMode.Replace, cancellationToken);

    public Task MarkOverBudgetAsync(CrmOverBudget refusal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return Table.UpsertEntityAsync(new TableEntity(OverBudgetPartition, StorageKeys.Key(refusal.OrganizationId))
        {
            ["OrganizationId"] = refusal.OrganizationId,
            ["AccountId"] = refusal.AccountId,
            ["At"] = refusal.At,
            ["Reason"] = refusal.Reason,
            ["OrganizationKeys"] = JsonSerializer.Serialize(refusal.OrganizationKeys),
        }, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>The organization's metadata took the CRM keys after all.</summary>
    public async Task ClearOverBudgetAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        try
        {
            await Table.DeleteEntityAsync(OverBudgetPartition, StorageKeys.Key(organizationId), ETag.All, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Was not over budget.
        }
    }

    /// <summary>Whether the CRM sync's last write to the organization was refused for want of room.</summary>
    public async Task<bool> IsOverBudgetAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(OverBudgetPartition, StorageKeys.Key(organizationId), ["PartitionKey"], cancellationToken).ConfigureAwait(false);
        return row.HasValue;
    }

    public async IAsyncEnumerable<CrmOverBudget> OverBudgetAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var row in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {OverBudgetPartition}"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return new CrmOverBudget(row.GetString("OrganizationId"), row.GetString("AccountId"), row.GetDateTimeOffset("At") ?? row.Timestamp ?? default,
                row.GetString("Reason") ?? string.Empty, JsonSerializer.Deserialize<string[]>(row.GetString("OrganizationKeys") ?? "[]") ?? []);
        }
    }

    public Task RecordAsync(CrmActivity activity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return Table.AddEntityAsync(new TableEntity(ActivityPartition, $"{Inverted(activity.At)}-{Guid.NewGuid():N}")
        {
            ["Kind"] = activity.Kind,
            ["Outcome"] = activity.Outcome,
            ["At"] = activity.At,
            ["DurationMs"] = activity.DurationMs,
            ["Detail"] = activity.Detail.Length > 1000 ? activity.Detail[..1000] : activity.Detail,
            ["ApiUsed"] = activity.Usage?.Used,
            ["ApiAllocated"] = activity.Usage?.Allocated,
        }, cancellationToken);
    }

    /// <summary>Activity since <paramref name="since"/>, newest first.</summary>
    public async IAsyncEnumerable<CrmActivity> ActivitySinceAsync(DateTimeOffset since, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {ActivityPartition} and RowKey lt {Inverted(since) + "~"}");
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var used = row.GetInt64("ApiUsed");
            var allocated = row.GetInt64("ApiAllocated");
            yield return new CrmActivity(row.GetString("Kind") ?? string.Empty, row.GetString("Outcome") ?? string.Empty, row.GetDateTimeOffset("At") ?? default,
                row.GetDouble("DurationMs") ?? 0, row.GetString("Detail") ?? string.Empty, used is { } u && allocated is { } a ? new ApiUsage(u, a) : null);
        }
    }

    /// <summary>Deletes activity older than <paramref name="before"/> (at most one page a call, so a run stays short).</summary>
    public async Task PruneActivityAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {ActivityPartition} and RowKey gt {Inverted(before)}");
        await foreach (var page in Table.QueryAsync<TableEntity>(filter, maxPerPage: 100, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
        {
            foreach (var row in page.Values)
            {
                await Table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
            }

            return;
        }
    }

    // Newest first: the row key counts down with time.
    private static string Inverted(DateTimeOffset at) => (DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);
}
