using System.Text.Json;
using Azure.Data.Tables;
using Azure;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Stripe;

/// <summary>
/// The only code that knows the <c>CustomerBilling</c> table: one row per Stripe customer, in a partition of its own.
/// Every write is ETag-checked, so concurrent consumers never lose each other's version bump or take the same lease.
/// The customers waiting for an organization and those over the metadata budget are listed from index partitions
/// (one row per customer in that state), never by scanning the table.
/// Longer than 300 lines because it is the one owner of this table (state, entitlements, the sync lease, the two
/// indexes, search and the upgrade step all read and write the same columns, with the same ETag rules); its values
/// are in <c>CustomerBilling.cs</c>.
/// </summary>
public sealed class CustomerBillingStore(StorageClients clients)
{
    private const int MaxRaces = 20;

    // Index partitions: "~" followed by a letter is never a storage key (StorageKeys escapes as "~" and hex digits).
    private const string WaitingIndex = "~waiting";
    private const string OverBudgetIndex = "~over-budget";

    private TableClient? _table;

    private TableClient Table => _table ??= clients.Tables.GetTableClient(StateTables.CustomerBilling);

    public async Task<CustomerBilling?> GetAsync(string customerId, CancellationToken cancellationToken = default)
    {
        NullableResponse<TableEntity> row = await Table.GetEntityIfExistsAsync<TableEntity>(StorageKeys.Key(customerId), StorageKeys.Key(customerId), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? From(row.Value!) : null;
    }

    /// <summary>
    /// Stores the state <paramref name="derive"/> gives as the customer's desired state and returns the row with its
    /// version (raised only when the state changed). <paramref name="derive"/> runs after the row is read and the write
    /// is ETag-checked, so a state derived from an older read of the subscriptions can never replace one derived from a
    /// newer read.
    /// </summary>
    public Task<CustomerBilling> SetStateAsync(string customerId, Func<CancellationToken, Task<BillingState>> derive, string eventId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(derive);
        return SetStateAsync(customerId, (_, token) => derive(token), eventId, cancellationToken);
    }

    /// <summary>As <see cref="SetStateAsync(string, Func{CancellationToken, Task{BillingState}}, string, CancellationToken)"/>, with <paramref name="derive"/> given the row as read (null when there is none).</summary>
    public async Task<CustomerBilling> SetStateAsync(string customerId, Func<CustomerBilling?, CancellationToken, Task<BillingState>> derive, string eventId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(derive);
        for (var race = 0; race < MaxRaces; race++)
        {
            var current = await GetAsync(customerId, cancellationToken).ConfigureAwait(false);
            var state = await derive(current, cancellationToken).ConfigureAwait(false);
            if (current?.State is { } stored && stored.SameAs(state))
            {
                return current;
            }

            var version = (current?.DesiredVersion ?? 0) + 1;
            var row = new TableEntity(StorageKeys.Key(customerId), StorageKeys.Key(customerId))
            {
                ["CustomerId"] = customerId,
                ["State"] = JsonSerializer.Serialize(state),
                ["DesiredVersion"] = version,
                ["SourceEventId"] = eventId,
            };
            try
            {
                if (current is null)
                {
                    row["SyncedVersion"] = 0L;
                    var added = await Table.AddEntityAsync(row, cancellationToken).ConfigureAwait(false);
                    row.ETag = added.Headers.ETag ?? default;
                    return From(row);
                }

                var merged = await Table.UpdateEntityAsync(row, current.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                return await AfterMergeAsync(current, row, merged, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another consumer changed the row first: read it again and decide again.
            }
        }

        throw new InvalidOperationException($"Gave up storing the billing state of customer {customerId} after {MaxRaces} concurrent updates.");
    }

    /// <summary>
    /// Keeps <paramref name="summary"/> as the customer's entitlements when it is newer than the one stored (ETag-checked,
    /// so of two concurrent summaries the newer stays); false when an equal or newer one is already stored.
    /// </summary>
    public async Task<bool> SetEntitlementsAsync(string customerId, EntitlementSummary summary, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(summary);
        for (var race = 0; race < MaxRaces; race++)
        {
            var current = await GetAsync(customerId, cancellationToken).ConfigureAwait(false);
            if (!summary.IsNewerThan(current?.Entitlements))
            {
                return false;
            }

            var values = new Dictionary<string, object?>
            {
                ["EntitlementKeys"] = JsonSerializer.Serialize(summary.LookupKeys),
                ["EntitlementsAt"] = summary.At,
                ["EntitlementsSource"] = summary.Source,
            };
            if (current is not null)
            {
                if (await TryUpdateAsync(current, values, cancellationToken).ConfigureAwait(false) is not null)
                {
                    return true;
                }

                continue;
            }

            var row = new TableEntity(StorageKeys.Key(customerId), StorageKeys.Key(customerId)) { ["CustomerId"] = customerId, ["DesiredVersion"] = 0L, ["SyncedVersion"] = 0L };
            foreach (var (name, value) in values)
            {
                row[name] = value;
            }

            try
            {
                await Table.AddEntityAsync(row, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                // Another consumer wrote the row first: read it again and decide again.
            }
        }

        throw new InvalidOperationException($"Gave up storing the entitlements of customer {customerId} after {MaxRaces} concurrent updates.");
    }

    /// <summary>Takes or renews the customer's sync lease; null when the row changed since <paramref name="row"/> was read.</summary>
    public Task<CustomerBilling?> LeaseAsync(CustomerBilling row, string leaseId, DateTimeOffset until, CancellationToken cancellationToken = default) =>
        TryUpdateAsync(row, new Dictionary<string, object?> { ["LeaseId"] = leaseId, ["LeaseUntil"] = until }, cancellationToken);

    /// <summary>
    /// Records an attempt made for <paramref name="version"/> and releases the lease; a written version becomes the
    /// synced one. Null when the row changed since <paramref name="row"/> was read (then nothing was recorded).
    /// </summary>
    public async Task<CustomerBilling?> RecordAsync(CustomerBilling row, SyncAttempt attempt, long version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(attempt);
        var waiting = attempt.Result == SyncResults.WaitingForOrganization;
        var values = new Dictionary<string, object?>
        {
            ["LeaseId"] = null,
            ["LeaseUntil"] = null,
            ["LastAttemptAt"] = attempt.At,
            ["LastResult"] = attempt.Result,
            ["LastReason"] = attempt.Reason,
            ["LastAttemptVersion"] = version,
            ["OrganizationId"] = attempt.OrganizationId ?? (waiting || attempt.Result == SyncResults.NoLinkedOrganization ? null : row.LastAttempt?.OrganizationId),
            ["LastMetadata"] = attempt.Metadata is null ? null : JsonSerializer.Serialize(attempt.Metadata),
            ["LastFeatures"] = attempt.Features is null ? null : JsonSerializer.Serialize(attempt.Features),
            ["OverBudget"] = attempt.OverBudget,
            ["WaitingSince"] = waiting ? row.WaitingSince ?? attempt.At : null,
        };
        if (SyncResults.Written(attempt.Result))
        {
            values["SyncedVersion"] = version;
        }

        // An index row is added before the state it stands for and removed after it, so a listing (which checks each
        // row against the customer's own row) never misses a customer; the sync lease keeps two attempts apart. It is
        // removed only when the row said the customer was listed: an entry a failed attempt left behind is skipped by
        // the listing's check and removed when the customer next leaves that state.
        var overBudget = attempt.OverBudget;
        var wasWaiting = row.LastAttempt?.Result == SyncResults.WaitingForOrganization || row.WaitingSince is not null;
        var wasOverBudget = row.LastAttempt?.OverBudget == true;
        await IndexAsync(WaitingIndex, row.CustomerId, waiting && !wasWaiting ? true : null, cancellationToken).ConfigureAwait(false);
        await IndexAsync(OverBudgetIndex, row.CustomerId, overBudget && !wasOverBudget ? true : null, cancellationToken).ConfigureAwait(false);
        var recorded = await TryUpdateAsync(row, values, cancellationToken).ConfigureAwait(false);
        if (recorded is not null)
        {
            await IndexAsync(WaitingIndex, row.CustomerId, !waiting && wasWaiting ? false : null, cancellationToken).ConfigureAwait(false);
            await IndexAsync(OverBudgetIndex, row.CustomerId, !overBudget && wasOverBudget ? false : null, cancellationToken).ConfigureAwait(false);
        }

        return recorded;
    }

    /// <summary>Gives up the lease after a failed attempt (best effort: an expired lease frees itself).</summary>
    public async Task ReleaseAsync(string customerId, string leaseId, CancellationToken cancellationToken = default)
    {
        if (await GetAsync(customerId, cancellationToken).ConfigureAwait(false) is { } row && row.LeaseId == leaseId)
        {
            await TryUpdateAsync(row, new Dictionary<string, object?> { ["LeaseId"] = null, ["LeaseUntil"] = null }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Customers whose last attempt found no organization yet.</summary>
    public IAsyncEnumerable<CustomerBilling> WaitingAsync(CancellationToken cancellationToken = default) =>
        IndexedAsync(WaitingIndex, row => row.LastAttempt?.Result == SyncResults.WaitingForOrganization, cancellationToken);

    /// <summary>Customers whose last attempt was refused because the organization's metadata has no room for billing.</summary>
    public IAsyncEnumerable<CustomerBilling> OverBudgetAsync(CancellationToken cancellationToken = default) =>
        IndexedAsync(OverBudgetIndex, row => row.LastAttempt?.OverBudget == true, cancellationToken);

    /// <summary>Adds (true) or removes (false) the customer's row in an index partition; null leaves it as it is.</summary>
    private async Task IndexAsync(string index, string customerId, bool? listed, CancellationToken cancellationToken)
    {
        if (listed == true)
        {
            await Table.UpsertEntityAsync(new TableEntity(index, StorageKeys.Key(customerId)) { ["CustomerId"] = customerId }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }
        else if (listed == false)
        {
            await Table.DeleteEntityAsync(index, StorageKeys.Key(customerId), ETag.All, cancellationToken).ConfigureAwait(false);
        }
    }

    private async IAsyncEnumerable<CustomerBilling> IndexedAsync(string index, Func<CustomerBilling, bool> holds, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {index}"), select: ["CustomerId"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (entry.GetString("CustomerId") is { } customerId && await GetAsync(customerId, cancellationToken).ConfigureAwait(false) is { } row && holds(row))
            {
                yield return row;
            }
        }
    }

    /// <summary>
    /// Customers' billing rows in key order whose customer id or linked organization id contains <paramref name="text"/>
    /// (any case; every one when it is empty); index and legacy rows are skipped. See <see cref="TableSearch"/>.
    /// </summary>
    public Task<(IReadOnlyList<CustomerBilling> Items, string? Token)> SearchAsync(string? text, int pageSize, string? continuation, CancellationToken cancellationToken = default) =>
        TableSearch.SearchAsync(Table, row =>
        {
            if (row.PartitionKey != row.RowKey)
            {
                return null;
            }

            var billing = From(row);
            return string.IsNullOrWhiteSpace(text)
                || billing.CustomerId.Contains(text, StringComparison.OrdinalIgnoreCase)
                || (billing.LastAttempt?.OrganizationId?.Contains(text, StringComparison.OrdinalIgnoreCase) ?? false)
                ? billing
                : null;
        }, pageSize, continuation, TableSearch.DefaultScanLimit, cancellationToken);

    /// <summary>Copies rows written in the shared legacy partition to their own and rebuilds both indexes; returns how many rows were (or would be) moved.</summary>
    public async Task<int> MigrateAsync(bool dryRun, CancellationToken cancellationToken = default)
    {
        var moved = 0;
        await foreach (var old in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {StateTables.LegacyPartition}"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            moved++;
            if (dryRun)
            {
                continue;
            }

            var customerId = Text(old, "CustomerId") ?? old.RowKey;
            var moving = new TableEntity(old) { PartitionKey = StorageKeys.Key(customerId), RowKey = StorageKeys.Key(customerId) };
            moving.Remove("odata.etag");
            moving.Remove("Timestamp");
            try
            {
                await Table.AddEntityAsync(moving, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                // Already written in its own partition (by a newer event or an earlier run): that row is newer, keep it.
            }

            var row = From(moving);
            await IndexAsync(WaitingIndex, customerId, row.LastAttempt?.Result == SyncResults.WaitingForOrganization ? true : null, cancellationToken).ConfigureAwait(false);
            await IndexAsync(OverBudgetIndex, customerId, row.LastAttempt?.OverBudget == true ? true : null, cancellationToken).ConfigureAwait(false);
            await Table.DeleteEntityAsync(old.PartitionKey, old.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
        }

        return moved;
    }

    private async Task<CustomerBilling?> TryUpdateAsync(CustomerBilling row, Dictionary<string, object?> values, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        var entity = new TableEntity(StorageKeys.Key(row.CustomerId), StorageKeys.Key(row.CustomerId));
        foreach (var (name, value) in values)
        {
            // Merge cannot remove a property; an empty value stands for "none" and is read back as null.
            entity[name] = value ?? string.Empty;
        }

        Response response;
        try
        {
            response = await Table.UpdateEntityAsync(entity, row.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            return null;
        }

        return await AfterMergeAsync(row, entity, response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The row after a merge of <paramref name="values"/> that succeeded against the ETag <paramref name="row"/> was read with.</summary>
    private async Task<CustomerBilling> AfterMergeAsync(CustomerBilling row, TableEntity values, Response response, CancellationToken cancellationToken)
    {
        if (row.Columns is null || response.Headers.ETag is not { } etag)
        {
            return await GetAsync(row.CustomerId, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"The billing row of customer {row.CustomerId} vanished right after it was written.");
        }

        var merged = new TableEntity(row.Columns.ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal));
        foreach (var (name, value) in values.Where(pair => pair.Key is not ("PartitionKey" or "RowKey" or "odata.etag")))
        {
            merged[name] = value;
        }

        merged.ETag = etag;
        return From(merged);
    }

    private static CustomerBilling From(TableEntity row)
    {
        var lastAt = Time(row, "LastAttemptAt");
        var last = lastAt is { } at && Text(row, "LastResult") is { } result
            ? new SyncAttempt(at, result, Text(row, "LastReason") ?? string.Empty, Text(row, "OrganizationId"),
                Text(row, "LastMetadata") is { } metadata ? JsonSerializer.Deserialize<Dictionary<string, string>>(metadata) : null,
                Text(row, "LastFeatures") is { } features ? JsonSerializer.Deserialize<Dictionary<string, bool>>(features) : null,
                row.GetBoolean("OverBudget") == true)
            : null;
        return new CustomerBilling(
            Text(row, "CustomerId") ?? row.RowKey,
            Text(row, "State") is { } state ? JsonSerializer.Deserialize<BillingState>(state) : null,
            row.GetInt64("DesiredVersion") ?? 0,
            Text(row, "SourceEventId"),
            row.GetInt64("SyncedVersion") ?? 0,
            Text(row, "LeaseId"),
            Time(row, "LeaseUntil"),
            last,
            row.GetInt64("LastAttemptVersion") ?? 0,
            Time(row, "WaitingSince"),
            row.ETag)
        {
            Columns = row.ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal),
            Entitlements = Time(row, "EntitlementsAt") is { } entitledAt && Text(row, "EntitlementKeys") is { } keys
                ? new EntitlementSummary(JsonSerializer.Deserialize<string[]>(keys) ?? [], entitledAt, Text(row, "EntitlementsSource") ?? string.Empty)
                : null,
        };
    }

    private static string? Text(TableEntity row, string name) => row.TryGetValue(name, out var value) && value is string { Length: > 0 } text ? text : null;

    private static DateTimeOffset? Time(TableEntity row, string name) => row.TryGetValue(name, out var value) && value is DateTimeOffset or DateTime ? row.GetDateTimeOffset(name) : null;
}
