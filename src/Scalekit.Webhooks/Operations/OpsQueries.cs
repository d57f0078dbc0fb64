using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.Billing;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Operations;

/// <summary>Filters for the event log search.</summary>
public sealed record EventQuery(string? Source, string? EventType, string? Status, DateTimeOffset? From, DateTimeOffset? To, string? OrganizationId, string? CustomerId);

/// <summary>One page of results and the token for the next one (null on the last page).</summary>
public sealed record PageResult(IReadOnlyList<JsonObject> Items, string? ContinuationToken);

/// <summary>Read side of the operations API: stats, the event log, dead letters and the organization and customer read models.</summary>
public sealed class OpsQueries(StorageClients clients, PayloadStore payloads, DeadLetterStore deadLetters, CustomerBillingStore billing, EmployeeStore employees, Crm.CrmSyncStore crm, TimeProvider time, IEnumerable<IIntegrationHealth> integrationHealth)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 1000;

    /// <summary>Most ledger rows one stats call reads; a larger window is reported as truncated.</summary>
    public const int MaxStatsRows = 100_000;

    public async Task<JsonObject> StatsAsync(TimeSpan window, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var since = now - window;
        // Every shard's queue, read at once: one depth per shard queue, summed per source below.
        var depthValues = await Task.WhenAll(StorageNames.AllQueues.Select(async queue =>
            (queue, (await clients.Queue(queue).GetPropertiesAsync(cancellationToken).ConfigureAwait(false)).Value.ApproximateMessagesCount))).ConfigureAwait(false);
        var depths = new JsonObject();
        foreach (var (queue, depth) in depthValues)
        {
            depths[queue] = depth;
        }

        var series = new EventSeries(since, now);
        var sources = Enum.GetValues<WebhookSource>().ToDictionary(source => source.Name(), source => new SourceCounts(source), StringComparer.Ordinal);
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var latencies = new List<double>();
        var scanned = 0;
        var ledger = clients.Tables.GetTableClient(StorageNames.EventLedgerTable);
        await foreach (var row in ledger.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"ReceivedAt ge {since}"),
            select: ["PartitionKey", "EventType", "Status", "ReceivedAt", "CompletedAt", "LastFailedAt"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (++scanned > MaxStatsRows)
            {
                break;
            }

            var status = row.GetString("Status");
            var key = $"{row.PartitionKey}|{row.GetString("EventType")}|{status}";
            counts[key] = counts.GetValueOrDefault(key) + 1;
            // A source this build does not know (a row written by a newer version) still counts in the totals.
            var perSource = sources.GetValueOrDefault(row.PartitionKey) ?? SourceCounts.Unknown;
            perSource.Ingested++;
            var received = row.GetDateTimeOffset("ReceivedAt");
            if (received is { } at)
            {
                series.Ingested(at);
            }

            if (row.GetDateTimeOffset("LastFailedAt") is { } failedAt)
            {
                series.Failed(failedAt);
            }

            if (status == ProcessingStatus.Failed)
            {
                perSource.Failed++;
            }

            if (status != ProcessingStatus.Parked && ProcessingStatus.IsFinal(status) && row.GetDateTimeOffset("CompletedAt") is { } completed)
            {
                double? latency = received is { } start ? (completed - start).TotalMilliseconds : null;
                series.Processed(completed, latency);
                perSource.Processed++;
                if (latency is { } value)
                {
                    latencies.Add(value);
                }
            }
        }

        var parked = 0;
        await foreach (var row in clients.Tables.GetTableClient(StorageNames.DeadLetterTable).QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"Status eq {DeadLetterStore.Parked} or ParkedAt ge {since}"),
            select: ["PartitionKey", "Status", "ParkedAt"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.GetString("Status") == DeadLetterStore.Parked)
            {
                parked++;
                (sources.GetValueOrDefault(row.PartitionKey) ?? SourceCounts.Unknown).ParkedNow++;
            }

            if (row.GetDateTimeOffset("ParkedAt") is { } parkedAt && parkedAt >= since)
            {
                series.Parked(parkedAt);
            }
        }

        latencies.Sort();
        var events = new JsonArray();
        foreach (var (key, count) in counts)
        {
            var parts = key.Split('|');
            events.Add(new JsonObject { ["source"] = parts[0], ["type"] = parts[1], ["status"] = parts[2], ["count"] = count });
        }

        var integrations = new JsonArray();
        foreach (var integration in integrationHealth)
        {
            integrations.Add((await integration.ReadAsync(since, cancellationToken).ConfigureAwait(false)).ToJson());
        }

        return new JsonObject
        {
            ["window_seconds"] = (long)window.TotalSeconds,
            ["since"] = since,
            ["queues"] = depths,
            ["sources"] = new JsonArray([.. sources.Values.Select(source => (JsonNode)source.ToJson(depths))]),
            ["events"] = events,
            ["events_total"] = Math.Min(scanned, MaxStatsRows),
            ["truncated"] = scanned > MaxStatsRows,
            ["processing_latency_ms"] = new JsonObject { ["p50"] = EventSeries.Percentile(latencies, 0.50), ["p95"] = EventSeries.Percentile(latencies, 0.95), ["samples"] = latencies.Count },
            ["parked"] = parked,
            ["series"] = series.ToJson(),
            ["integrations"] = integrations,
        };
    }

    public async Task<JsonObject?> EventAsync(WebhookSource source, string eventId, CancellationToken cancellationToken = default)
    {
        var row = await clients.Tables.GetTableClient(StorageNames.EventLedgerTable)
            .GetEntityIfExistsAsync<TableEntity>(source.Name(), StorageKeys.Key(eventId), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!row.HasValue)
        {
            return null;
        }

        var json = WithSource(RowJson.From(row.Value!), row.Value!);
        if (row.Value!.GetString("Payload") is null && row.Value.GetString("PayloadBlob") is { } blob
            && row.Value.GetInt64("PayloadLength") is null or <= MaxShownBlobBytes
            && await payloads.TryReadAsync(blob, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            // A claim-checked body is shown like an inline one, up to a size a page can hold.
            json["Payload"] = stored.ToString();
        }

        return json;
    }

    /// <summary>Largest claim-checked body the event view includes (larger ones are named, not shown).</summary>
    public const long MaxShownBlobBytes = 4 * 1024 * 1024;

    public Task<PageResult> SearchEventsAsync(EventQuery query, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filters = new List<string>();
        Add(filters, query.Source, value => TableClient.CreateQueryFilter($"PartitionKey eq {value}"));
        Add(filters, query.EventType, value => TableClient.CreateQueryFilter($"EventType eq {value}"));
        Add(filters, query.Status, value => TableClient.CreateQueryFilter($"Status eq {value}"));
        Add(filters, query.OrganizationId, value => TableClient.CreateQueryFilter($"OrganizationId eq {value}"));
        Add(filters, query.CustomerId, value => TableClient.CreateQueryFilter($"CustomerId eq {value}"));
        if (query.From is { } from)
        {
            filters.Add(TableClient.CreateQueryFilter($"ReceivedAt ge {from}"));
        }

        if (query.To is { } to)
        {
            filters.Add(TableClient.CreateQueryFilter($"ReceivedAt lt {to}"));
        }

        return PageAsync(StorageNames.EventLedgerTable, filters, pageSize, continuation, ["Payload"], cancellationToken);
    }

    public async Task<PageResult> DeadLettersAsync(string? source, string? eventType, string? status, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        var page = await deadLetters.ListAsync(source, eventType, status, Clamp(pageSize), continuation, cancellationToken).ConfigureAwait(false);
        return new PageResult([.. page.Values.Select(row => WithSource(RowJson.From(row), row))], page.ContinuationToken);
    }

    /// <summary>The organization's current state, or null when no event has mentioned it.</summary>
    public async Task<JsonObject?> OrganizationAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        var key = StorageKeys.Key(organizationId);
        var organization = await GetAsync(StateTables.Organizations, StateTables.GlobalPartition, key, cancellationToken).ConfigureAwait(false);
        if (organization is null)
        {
            return null;
        }

        var result = RowJson.From(organization);
        result["id"] = organizationId;
        result["counts"] = new JsonObject
        {
            ["directory_users"] = await CountAsync(StateTables.DirectoryUsers, key, cancellationToken).ConfigureAwait(false),
            ["directory_groups"] = await CountAsync(StateTables.DirectoryGroups, key, cancellationToken).ConfigureAwait(false),
            ["members"] = await CountAsync(StateTables.Memberships, key, cancellationToken).ConfigureAwait(false),
        };
        result["last_applied_event"] = new JsonObject
        {
            ["id"] = organization.GetString(StateStore.LastEventId),
            ["type"] = organization.GetString(StateStore.LastEventType),
            ["occurred_at"] = organization.GetDateTimeOffset(StateStore.LastEventAt),
        };
        var customerId = organization.GetString("ExternalId");
        result["stripe_customer_id"] = customerId;
        if (customerId is not null)
        {
            result["billing"] = await CustomerBodyAsync(customerId, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    public Task<PageResult> DirectoryUsersAsync(string organizationId, int pageSize, string? continuation, CancellationToken cancellationToken = default) =>
        PageAsync(StateTables.DirectoryUsers, [TableClient.CreateQueryFilter($"PartitionKey eq {StorageKeys.Key(organizationId)}")], pageSize, continuation, [], cancellationToken);

    public Task<PageResult> MembersAsync(string organizationId, int pageSize, string? continuation, CancellationToken cancellationToken = default) =>
        PageAsync(StateTables.Memberships, [TableClient.CreateQueryFilter($"PartitionKey eq {StorageKeys.Key(organizationId)}")], pageSize, continuation, [], cancellationToken);

    /// <summary>One page of an organization's employees as the HR sync last left them.</summary>
    public async Task<PageResult> EmployeesAsync(string organizationId, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        var (page, token) = await employees.ListAsync(organizationId, Clamp(pageSize), continuation, cancellationToken).ConfigureAwait(false);
        return new PageResult([.. page.Select(e => new JsonObject
        {
            ["employee_id"] = e.EmployeeId,
            ["organization_id"] = e.OrganizationId,
            ["email"] = e.Email,
            ["scalekit_user_id"] = e.ScalekitUserId,
            ["status"] = e.Status,
            ["department"] = e.Department,
            ["title"] = e.Title,
            ["membership_removed"] = e.MembershipRemoved,
            ["last_event"] = e.LastEvent is { } last ? new JsonObject { ["id"] = last.EventId, ["type"] = last.EventType, ["occurred_at"] = last.OccurredAt } : null,
            ["last_sync"] = new JsonObject { ["result"] = e.LastSyncResult, ["detail"] = e.LastSyncDetail, ["at"] = e.LastSyncAt },
        })], token);
    }

    /// <summary>The customer's subscriptions, entitlements, linked organization and last sync, or null when unknown.</summary>
    public async Task<JsonObject?> CustomerAsync(string customerId, CancellationToken cancellationToken = default)
    {
        var body = await CustomerBodyAsync(customerId, cancellationToken).ConfigureAwait(false);
        return body["customer"] is null && body["subscriptions"]!.AsArray().Count == 0 && body["sync"] is null ? null : body;
    }

    /// <summary>Organizations whose metadata has no room for billing's or the CRM sync's keys (the last sync was refused for it).</summary>
    public async Task<JsonObject> OverBudgetOrganizationsAsync(CancellationToken cancellationToken = default)
    {
        var items = new JsonArray();
        await foreach (var row in billing.OverBudgetAsync(cancellationToken).ConfigureAwait(false))
        {
            items.Add(new JsonObject
            {
                ["organization_id"] = row.LastAttempt?.OrganizationId,
                ["customer_id"] = row.CustomerId,
                ["since"] = row.LastAttempt?.At,
                ["reason"] = row.LastAttempt?.Reason,
                ["organization_keys"] = row.LastAttempt?.Metadata is { } metadata ? new JsonArray([.. metadata.Keys.Order(StringComparer.Ordinal).Select(k => (JsonNode)k)]) : null,
                ["writer"] = "billing",
            });
        }

        await foreach (var refusal in crm.OverBudgetAsync(cancellationToken).ConfigureAwait(false))
        {
            items.Add(new JsonObject
            {
                ["organization_id"] = refusal.OrganizationId,
                ["account_id"] = refusal.AccountId,
                ["since"] = refusal.At,
                ["reason"] = refusal.Reason,
                ["organization_keys"] = new JsonArray([.. refusal.OrganizationKeys.Select(k => (JsonNode)k)]),
                ["writer"] = "crm",
            });
        }

        return new JsonObject { ["items"] = items, ["continuation_token"] = null };
    }

    /// <summary>The billing sync of one customer as the API shows it: versions, the state, the last attempt.</summary>
    public static JsonObject? SyncBody(CustomerBilling? row)
    {
        if (row is null)
        {
            return null;
        }

        var last = row.LastAttempt;
        return new JsonObject
        {
            ["desired_version"] = row.DesiredVersion,
            ["synced_version"] = row.SyncedVersion,
            ["source_event_id"] = row.SourceEventId,
            ["state"] = row.State is null ? null : JsonSerializer.SerializeToNode(row.State),
            ["waiting_since"] = row.WaitingSince,
            ["last_attempt"] = last is null ? null : new JsonObject
            {
                ["at"] = last.At,
                ["result"] = last.Result,
                ["reason"] = last.Reason,
                ["version"] = row.LastAttemptVersion,
                ["organization_id"] = last.OrganizationId,
                ["over_budget"] = last.OverBudget,
                ["metadata"] = last.Metadata is null ? null : JsonSerializer.SerializeToNode(last.Metadata),
                ["features"] = last.Features is null ? null : JsonSerializer.SerializeToNode(last.Features),
            },
        };
    }

    private async Task<JsonObject> CustomerBodyAsync(string customerId, CancellationToken cancellationToken)
    {
        var key = StorageKeys.Key(customerId);
        var customer = await GetAsync(StateTables.Customers, StateTables.GlobalPartition, key, cancellationToken).ConfigureAwait(false);
        var link = await GetAsync(StateTables.OrganizationLinks, StateTables.GlobalPartition, key, cancellationToken).ConfigureAwait(false);
        var subscriptions = await PageAsync(StateTables.Subscriptions, [TableClient.CreateQueryFilter($"PartitionKey eq {key}")], MaxPageSize, null, [], cancellationToken).ConfigureAwait(false);
        var sync = await billing.GetAsync(customerId, cancellationToken).ConfigureAwait(false);
        return new JsonObject
        {
            ["customer_id"] = customerId,
            ["organization_id"] = sync?.LastAttempt?.OrganizationId ?? link?.GetString("OrganizationId"),
            ["sync"] = SyncBody(sync),
            ["customer"] = customer is null ? null : RowJson.From(customer),
            ["subscriptions"] = new JsonArray([.. subscriptions.Items.Select(s => (JsonNode)s)]),
            ["entitlements"] = customer?.GetString("ActiveEntitlements") is { } entitlements ? JsonNode.Parse(entitlements) : new JsonArray(),
        };
    }

    private async Task<PageResult> PageAsync(string table, List<string> filters, int pageSize, string? continuation, string[] omit, CancellationToken cancellationToken)
    {
        var query = clients.Tables.GetTableClient(table).QueryAsync<TableEntity>(filters.Count == 0 ? null : string.Join(" and ", filters), Clamp(pageSize), cancellationToken: cancellationToken);
        await foreach (var page in query.AsPages(continuation, Clamp(pageSize)).ConfigureAwait(false))
        {
            var items = page.Values.Select(row =>
            {
                var json = WithSource(RowJson.From(row), row);
                foreach (var name in omit)
                {
                    json.Remove(name);
                }

                return json;
            }).ToList();
            return new PageResult(items, page.ContinuationToken);
        }

        return new PageResult([], null);
    }

    private async Task<int> CountAsync(string table, string partition, CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var row in clients.Tables.GetTableClient(table).QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"),
            select: [StateStore.DeletedAt], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (!row.ContainsKey(StateStore.DeletedAt) || row[StateStore.DeletedAt] is null)
            {
                count++;
            }
        }

        return count;
    }

    private async Task<TableEntity?> GetAsync(string table, string partition, string row, CancellationToken cancellationToken)
    {
        NullableResponse<TableEntity> result = await clients.Tables.GetTableClient(table).GetEntityIfExistsAsync<TableEntity>(partition, row, cancellationToken: cancellationToken).ConfigureAwait(false);
        return result.HasValue ? result.Value : null;
    }

    private static JsonObject WithSource(JsonObject json, TableEntity row)
    {
        json["PartitionKey"] = row.PartitionKey;
        json["RowKey"] = row.RowKey;
        return json;
    }

    private static void Add(List<string> filters, string? value, Func<string, string> filter)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            filters.Add(filter(value));
        }
    }

    private static int Clamp(int pageSize) => pageSize <= 0 ? DefaultPageSize : Math.Min(pageSize, MaxPageSize);

    /// <summary>One source's counts in the window and its queues' depths now.</summary>
    private sealed class SourceCounts(WebhookSource source)
    {
        /// <summary>A sink for rows of sources this build does not know; never reported.</summary>
        public static SourceCounts Unknown => new(default);

        public int Ingested { get; set; }

        public int Processed { get; set; }

        public int Failed { get; set; }

        public int ParkedNow { get; set; }

        public JsonObject ToJson(JsonObject depths) => new()
        {
            ["source"] = source.Name(),
            ["queue"] = StorageNames.QueueFor(source),
            ["queue_depth"] = StorageNames.AllShards.Sum(shard => (int?)depths[StorageNames.QueueFor(source, shard)] ?? 0),
            ["poison_queue"] = StorageNames.PoisonQueueFor(source),
            ["poison_depth"] = StorageNames.AllShards.Sum(shard => (int?)depths[StorageNames.PoisonQueueFor(source, shard)] ?? 0),
            ["ingested"] = Ingested,
            ["processed"] = Processed,
            ["failed"] = Failed,
            ["parked"] = ParkedNow,
        };
    }
}
