using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Stripe;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Billing;

/// <summary>How a billing event ended, for the ledger.</summary>
public sealed record BillingOutcome(string Status, string Detail, string? CustomerId, string? OrganizationId);

/// <summary>
/// Applies Stripe billing events: keeps subscriptions, invoices, entitlements and customers in Tables in event order,
/// and writes subscription and customer changes to the linked Scalekit organization. Subscription events are
/// authoritative for entitlements; the entitlement summary is recorded but does not switch features on its own.
/// The state written to Scalekit comes from all of the customer's subscriptions (<see cref="BillingState.From"/>).
/// </summary>
public sealed class StripeBillingProcessor(StateStore store, CustomerBillingStore customers, BillingSync sync, StorageClients clients, IOptions<BillingOptions> options)
{

    public static IReadOnlyList<string> HandledTypes { get; } =
    [
        "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted",
        "customer.subscription.paused", "customer.subscription.resumed", "customer.subscription.trial_will_end",
        "invoice.paid", "invoice.payment_failed", "invoice.payment_action_required",
        "customer.deleted", "checkout.session.completed", "entitlements.active_entitlement_summary.updated",
    ];

    public async Task<BillingOutcome> ProcessAsync(string json, EventStamp stamp, CancellationToken cancellationToken = default)
    {
        var stripeEvent = EventUtility.ParseEvent(json, throwOnApiVersionMismatch: false);
        return stripeEvent.Data.Object switch
        {
            Subscription subscription when stripeEvent.Type.StartsWith("customer.subscription.", StringComparison.Ordinal) =>
                await SubscriptionAsync(subscription, stamp, cancellationToken).ConfigureAwait(false),
            Invoice invoice when stripeEvent.Type.StartsWith("invoice.", StringComparison.Ordinal) =>
                await InvoiceAsync(invoice, stamp, cancellationToken).ConfigureAwait(false),
            Customer customer when stripeEvent.Type == "customer.deleted" =>
                await CustomerDeletedAsync(customer, stamp, cancellationToken).ConfigureAwait(false),
            Stripe.Checkout.Session session when stripeEvent.Type == "checkout.session.completed" =>
                await CheckoutAsync(session, stamp, cancellationToken).ConfigureAwait(false),
            Stripe.Entitlements.ActiveEntitlementSummary summary when stripeEvent.Type == "entitlements.active_entitlement_summary.updated" =>
                await EntitlementsAsync(summary, stamp, cancellationToken).ConfigureAwait(false),
            _ => new BillingOutcome(ProcessingStatus.Ignored, $"type {stripeEvent.Type} changes no billing state", null, null),
        };
    }

    private async Task<BillingOutcome> SubscriptionAsync(Subscription subscription, EventStamp stamp, CancellationToken cancellationToken)
    {
        var item = subscription.Items?.Data?.FirstOrDefault();
        var lookupKey = item?.Price?.LookupKey;
        var plan = options.Value.Plans.For(lookupKey);
        var periodEnd = item?.CurrentPeriodEnd is { } end ? Utc(end) : (DateTimeOffset?)null;
        var change = new StateChange(StateTables.Subscriptions, subscription.CustomerId, subscription.Id, new Dictionary<string, object?>
        {
            ["SubscriptionId"] = subscription.Id,
            ["Status"] = subscription.Status,
            ["PriceLookupKey"] = lookupKey,
            ["PlanType"] = plan.Plan,
            ["Features"] = JsonSerializer.Serialize(plan.Features),
            ["CurrentPeriodEnd"] = periodEnd,
            ["Created"] = subscription.Created == default ? null : Utc(subscription.Created),
            ["CancelAtPeriodEnd"] = subscription.CancelAtPeriodEnd,
            ["TrialEnd"] = subscription.TrialEnd is { } trial ? Utc(trial) : null,
        }, SoftDelete: subscription.Status == "canceled" && stamp.EventType == "customer.subscription.deleted");
        if (await store.ApplyAsync(change, stamp, cancellationToken).ConfigureAwait(false) == ApplyResult.Stale)
        {
            return new BillingOutcome(ProcessingStatus.StaleSkipped, "a newer event already set this subscription", subscription.CustomerId, null);
        }

        return await SyncCustomerAsync(subscription.CustomerId, stamp, cancellationToken).ConfigureAwait(false);
    }

    private async Task<BillingOutcome> CustomerDeletedAsync(Customer customer, EventStamp stamp, CancellationToken cancellationToken)
    {
        var change = new StateChange(StateTables.Customers, StateTables.GlobalPartition, customer.Id, new Dictionary<string, object?>
        {
            ["Email"] = customer.Email,
            ["Name"] = customer.Name,
            ["BillingStatus"] = "deleted",
            ["DeletedOn"] = stamp.OccurredAt,
        }, SoftDelete: true);
        if (await store.ApplyAsync(change, stamp, cancellationToken).ConfigureAwait(false) == ApplyResult.Stale)
        {
            return new BillingOutcome(ProcessingStatus.StaleSkipped, "a newer event already set this customer", customer.Id, null);
        }

        return await SyncCustomerAsync(customer.Id, stamp, cancellationToken).ConfigureAwait(false);
    }

    private async Task<BillingOutcome> InvoiceAsync(Invoice invoice, EventStamp stamp, CancellationToken cancellationToken)
    {
        var change = new StateChange(StateTables.Invoices, invoice.CustomerId, invoice.Id, new Dictionary<string, object?>
        {
            ["Status"] = invoice.Status,
            ["Outcome"] = stamp.EventType["invoice.".Length..],
            ["SubscriptionId"] = invoice.Parent?.SubscriptionDetails?.SubscriptionId,
            ["AmountDue"] = invoice.AmountDue,
            ["AmountPaid"] = invoice.AmountPaid,
            ["Currency"] = invoice.Currency,
        });
        var result = await store.ApplyAsync(change, stamp, cancellationToken).ConfigureAwait(false);
        return result == ApplyResult.Stale
            ? new BillingOutcome(ProcessingStatus.StaleSkipped, "a newer event already set this invoice", invoice.CustomerId, null)
            : new BillingOutcome(ProcessingStatus.Processed, $"invoice {invoice.Id} {stamp.EventType["invoice.".Length..]}; subscription events carry the entitlement change", invoice.CustomerId, null);
    }

    private async Task<BillingOutcome> CheckoutAsync(Stripe.Checkout.Session session, EventStamp stamp, CancellationToken cancellationToken)
    {
        if (session.CustomerId is null)
        {
            return new BillingOutcome(ProcessingStatus.Ignored, "checkout session without a customer", null, null);
        }

        var change = new StateChange(StateTables.Customers, StateTables.GlobalPartition, session.CustomerId, new Dictionary<string, object?>
        {
            ["CheckoutSessionId"] = session.Id,
            ["CheckoutSubscriptionId"] = session.SubscriptionId,
            ["ClientReferenceId"] = session.ClientReferenceId,
        });
        var result = await store.ApplyAsync(change, stamp, cancellationToken).ConfigureAwait(false);
        return result == ApplyResult.Stale
            ? new BillingOutcome(ProcessingStatus.StaleSkipped, "a newer event already set this customer", session.CustomerId, null)
            : new BillingOutcome(ProcessingStatus.Processed, $"checkout {session.Id} completed", session.CustomerId, null);
    }

    private async Task<BillingOutcome> EntitlementsAsync(Stripe.Entitlements.ActiveEntitlementSummary summary, EventStamp stamp, CancellationToken cancellationToken)
    {
        var keys = summary.Entitlements?.Data?.Select(e => e.LookupKey).Where(k => k is not null).ToArray() ?? [];
        var change = new StateChange(StateTables.Customers, StateTables.GlobalPartition, summary.Customer, new Dictionary<string, object?>
        {
            ["ActiveEntitlements"] = JsonSerializer.Serialize(keys),
        });
        var result = await store.ApplyAsync(change, stamp, cancellationToken).ConfigureAwait(false);
        return result == ApplyResult.Stale
            ? new BillingOutcome(ProcessingStatus.StaleSkipped, "a newer event already set this customer", summary.Customer, null)
            : new BillingOutcome(ProcessingStatus.Processed, $"entitlements recorded: {string.Join(", ", keys)}", summary.Customer, null);
    }

    /// <summary>Derives the customer's state from all its subscriptions, stores it (a new version when it changed) and syncs it.</summary>
    private async Task<BillingOutcome> SyncCustomerAsync(string customerId, EventStamp stamp, CancellationToken cancellationToken)
    {
        var version = await customers.SetStateAsync(customerId, token => DeriveStateAsync(customerId, token), stamp.EventId, cancellationToken).ConfigureAwait(false);
        var result = await sync.SyncAsync(customerId, version, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new BillingOutcome(LedgerStatus(result.Result), $"{result.Result}: {result.Detail}", customerId, result.OrganizationId);
    }

    private async Task<BillingState> DeriveStateAsync(string customerId, CancellationToken cancellationToken)
    {
        var key = StorageKeys.Key(customerId);
        var subscriptions = new List<SubscriptionFacts>();
        await foreach (var row in clients.Tables.GetTableClient(StateTables.Subscriptions).QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {key}"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var lastEventAt = row.GetDateTimeOffset(StateStore.LastEventAt) ?? DateTimeOffset.MinValue;
            subscriptions.Add(new SubscriptionFacts(
                row.GetString("SubscriptionId") ?? row.RowKey,
                row.GetString("Status") ?? "unknown",
                row.GetString("PlanType") ?? "unknown",
                row.GetString("Features") is { } features ? JsonSerializer.Deserialize<string[]>(features) ?? [] : [],
                row.GetDateTimeOffset("CurrentPeriodEnd"),
                row.GetDateTimeOffset("Created") ?? lastEventAt,
                lastEventAt));
        }

        var customer = await clients.Tables.GetTableClient(StateTables.Customers).GetEntityIfExistsAsync<TableEntity>(StateTables.GlobalPartition, key, cancellationToken: cancellationToken).ConfigureAwait(false);
        var deletedOn = customer.HasValue && customer.Value!.GetString("BillingStatus") == "deleted" ? customer.Value.GetDateTimeOffset("DeletedOn") ?? customer.Value.GetDateTimeOffset(StateStore.LastEventAt) : null;
        return BillingState.From(subscriptions, deletedOn, deletedOn)
            ?? throw new InvalidOperationException($"Customer {customerId} has no subscription or deletion to derive billing state from.");
    }

    /// <summary>The ledger status of an event whose sync ended with <paramref name="result"/>.</summary>
    public static string LedgerStatus(string result) => result switch
    {
        SyncResults.WaitingForOrganization => ProcessingStatus.WaitingForOrganization,
        SyncResults.NoLinkedOrganization => ProcessingStatus.NoLinkedOrganization,
        SyncResults.Refused => ProcessingStatus.Parked,
        _ => ProcessingStatus.Processed,
    };

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
