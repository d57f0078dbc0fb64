using System.Text.Json;
using Azure.Data.Tables;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Stripe;

/// <summary>A Stripe subscription as one subscription event describes it, with the plan its price maps to.</summary>
public sealed record SubscriptionChange(
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
    bool Deleted,
    IReadOnlyList<SubscriptionItem>? Items = null) : ReadModelChange
{
    public override StateChange ToRow() => SubscriptionStore.Row(this);
}

/// <summary>One item of a subscription: its price (by lookup key) and quantity (seats, for a per-seat price).</summary>
public sealed record SubscriptionItem(string Id, string? PriceLookupKey, long? Quantity);

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
    /// <summary>Every item as the latest event listed them; empty for rows written before items were kept.</summary>
    public IReadOnlyList<SubscriptionItem> Items { get; init; } = [];

    /// <summary>The facts the governing-subscription choice reads.</summary>
    public SubscriptionFacts Facts()
    {
        var lastEventAt = History.LastEvent?.OccurredAt ?? DateTimeOffset.MinValue;
        return new SubscriptionFacts(SubscriptionId, Status ?? "unknown", Plan ?? "unknown", Features, CurrentPeriodEnd, Created ?? lastEventAt, lastEventAt);
    }
}

/// <summary>The <c>Subscriptions</c> table (partition = the customer, one row per subscription), written in event order.</summary>
public sealed class SubscriptionStore(StateStore rows, StorageClients clients)
{
    private const string SubscriptionId = "SubscriptionId";
    private const string Status = "Status";
    private const string PriceLookupKey = "PriceLookupKey";
    private const string PlanType = "PlanType";
    private const string Features = "Features";
    private const string Items = "Items";
    private const string CurrentPeriodEnd = "CurrentPeriodEnd";
    private const string Created = "Created";
    private const string CancelAtPeriodEnd = "CancelAtPeriodEnd";
    private const string TrialEnd = "TrialEnd";

    private readonly TableClient _table = clients.Tables.GetTableClient(StateTables.Subscriptions);

    public Task<ApplyResult> ApplyAsync(SubscriptionChange change, EventStamp stamp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        return rows.ApplyAsync(Row(change), stamp, cancellationToken);
    }

    internal static StateChange Row(SubscriptionChange change) => new(StateTables.Subscriptions, change.CustomerId, change.SubscriptionId, new Dictionary<string, object?>(10, StringComparer.Ordinal)
    {
        [SubscriptionId] = change.SubscriptionId,
        [Status] = change.Status,
        [PriceLookupKey] = change.PriceLookupKey,
        [PlanType] = change.Plan,
        [Features] = JsonSerializer.Serialize(change.Features),
        [CurrentPeriodEnd] = change.CurrentPeriodEnd,
        [Created] = change.Created,
        [CancelAtPeriodEnd] = change.CancelAtPeriodEnd,
        [TrialEnd] = change.TrialEnd,
        [Items] = change.Items is null ? null : JsonSerializer.Serialize(change.Items),
    }, change.Deleted);

    internal static SubscriptionRecord Record(string customerId, TableEntity row) => new(
        customerId,
        row.GetString(SubscriptionId) ?? ReadModelRows.IdOf(row),
        row.GetString(Status),
        row.GetString(PriceLookupKey),
        row.GetString(PlanType),
        ReadModelRows.Strings(row, Features),
        row.GetDateTimeOffset(CurrentPeriodEnd),
        row.GetDateTimeOffset(Created),
        row.GetBoolean(CancelAtPeriodEnd),
        row.GetDateTimeOffset(TrialEnd),
        ReadModelRows.History(row))
    {
        Items = row.GetString(Items) is { Length: > 0 } items ? JsonSerializer.Deserialize<SubscriptionItem[]>(items) ?? [] : [],
    };

    /// <summary>Every subscription of the customer (one partition).</summary>
    public async Task<IReadOnlyList<SubscriptionRecord>> ListAsync(string customerId, CancellationToken cancellationToken = default)
    {
        var subscriptions = new List<SubscriptionRecord>();
        await foreach (var row in _table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {StorageKeys.Key(customerId)}"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            subscriptions.Add(Record(customerId, row));
        }

        return subscriptions;
    }
}
