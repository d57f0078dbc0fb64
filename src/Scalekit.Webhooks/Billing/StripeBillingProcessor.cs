using System.Globalization;
using System.Text.Json;
using Stripe;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.State;

namespace Scalekit.Webhooks.Billing;

/// <summary>How a billing event ended, for the ledger.</summary>
public sealed record BillingOutcome(string Status, string Detail, string? CustomerId, string? OrganizationId);

/// <summary>
/// Applies Stripe billing events: keeps subscriptions, invoices, entitlements and customers in Tables in event order,
/// and writes subscription and customer changes to the linked Scalekit organization. Subscription events are
/// authoritative for entitlements; the entitlement summary is recorded but does not switch features on its own.
/// </summary>
public sealed class StripeBillingProcessor(StateStore store, BillingSync sync, PlanMap plans)
{
    private static readonly HashSet<string> EntitledStatuses = new(StringComparer.Ordinal) { "active", "trialing", "past_due" };

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
        var plan = plans.For(lookupKey);
        var periodEnd = item?.CurrentPeriodEnd is { } end ? new DateTimeOffset(DateTime.SpecifyKind(end, DateTimeKind.Utc)) : (DateTimeOffset?)null;
        var change = new StateChange(StateTables.Subscriptions, ScalekitEventMapper.Key(subscription.CustomerId), ScalekitEventMapper.Key(subscription.Id), new Dictionary<string, object?>
        {
            ["Status"] = subscription.Status,
            ["PriceLookupKey"] = lookupKey,
            ["PlanType"] = plan.Plan,
            ["Features"] = JsonSerializer.Serialize(plan.Features),
            ["CurrentPeriodEnd"] = periodEnd,
            ["CancelAtPeriodEnd"] = subscription.CancelAtPeriodEnd,
            ["TrialEnd"] = subscription.TrialEnd is { } trial ? new DateTimeOffset(DateTime.SpecifyKind(trial, DateTimeKind.Utc)) : null,
        }, SoftDelete: subscription.Status == "canceled" && stamp.EventType == "customer.subscription.deleted");
        if (await store.ApplyAsync(change, stamp, cancellationToken).ConfigureAwait(false) == ApplyResult.Stale)
        {
            return new BillingOutcome(ProcessingStatus.StaleSkipped, "a newer event already set this subscription", subscription.CustomerId, null);
        }

        var entitled = EntitledStatuses.Contains(subscription.Status);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["subscription_status"] = subscription.Status,
            ["plan_type"] = plan.Plan,
            ["last_billing_update"] = Iso(stamp.OccurredAt),
        };
        if (periodEnd is { } endsAt)
        {
            // "subscription_current_period_end" (31 characters) would break Scalekit's 25-character key limit.
            metadata[MetadataKeys.PeriodEnd] = Iso(endsAt);
        }

        var features = plans.ManagedFeatures.ToDictionary(f => f, f => entitled && plan.Features.Contains(f, StringComparer.Ordinal), StringComparer.Ordinal);
        return await SyncAsync(subscription.CustomerId, new BillingChange(subscription.CustomerId, metadata, features), stamp, cancellationToken).ConfigureAwait(false);
    }

    private async Task<BillingOutcome> CustomerDeletedAsync(Customer customer, EventStamp stamp, CancellationToken cancellationToken)
    {
        var change = new StateChange(StateTables.Customers, StateTables.GlobalPartition, ScalekitEventMapper.Key(customer.Id),
            new Dictionary<string, object?> { ["Email"] = customer.Email, ["Name"] = customer.Name, ["BillingStatus"] = "deleted" }, SoftDelete: true);
        if (await store.ApplyAsync(change, stamp, cancellationToken).ConfigureAwait(false) == ApplyResult.Stale)
        {
            return new BillingOutcome(ProcessingStatus.StaleSkipped, "a newer event already set this customer", customer.Id, null);
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["billing_status"] = "deleted",
            ["deletion_date"] = Iso(stamp.OccurredAt),
            ["last_billing_update"] = Iso(stamp.OccurredAt),
        };
        var features = plans.ManagedFeatures.ToDictionary(f => f, _ => false, StringComparer.Ordinal);
        return await SyncAsync(customer.Id, new BillingChange(customer.Id, metadata, features), stamp, cancellationToken).ConfigureAwait(false);
    }

    private async Task<BillingOutcome> InvoiceAsync(Invoice invoice, EventStamp stamp, CancellationToken cancellationToken)
    {
        var change = new StateChange(StateTables.Invoices, ScalekitEventMapper.Key(invoice.CustomerId), ScalekitEventMapper.Key(invoice.Id), new Dictionary<string, object?>
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

        var change = new StateChange(StateTables.Customers, StateTables.GlobalPartition, ScalekitEventMapper.Key(session.CustomerId), new Dictionary<string, object?>
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
        var change = new StateChange(StateTables.Customers, StateTables.GlobalPartition, ScalekitEventMapper.Key(summary.Customer), new Dictionary<string, object?>
        {
            ["ActiveEntitlements"] = JsonSerializer.Serialize(keys),
        });
        var result = await store.ApplyAsync(change, stamp, cancellationToken).ConfigureAwait(false);
        return result == ApplyResult.Stale
            ? new BillingOutcome(ProcessingStatus.StaleSkipped, "a newer event already set this customer", summary.Customer, null)
            : new BillingOutcome(ProcessingStatus.Processed, $"entitlements recorded: {string.Join(", ", keys)}", summary.Customer, null);
    }

    private async Task<BillingOutcome> SyncAsync(string customerId, BillingChange change, EventStamp stamp, CancellationToken cancellationToken)
    {
        var result = await sync.SyncAsync(change, cancellationToken).ConfigureAwait(false);
        var status = result.Outcome == SyncOutcome.NoLinkedOrganization ? ProcessingStatus.NoLinkedOrganization : ProcessingStatus.Processed;
        await store.ApplyAsync(new StateChange(StateTables.Customers, StateTables.GlobalPartition, ScalekitEventMapper.Key(customerId), new Dictionary<string, object?>
        {
            ["OrganizationId"] = result.OrganizationId,
            ["LastSyncOutcome"] = result.Outcome.ToString(),
            ["LastSyncDetail"] = result.Detail,
            ["LastSyncEventId"] = stamp.EventId,
        }), stamp, cancellationToken).ConfigureAwait(false);
        return new BillingOutcome(status, $"{result.Outcome}: {result.Detail}", customerId, result.OrganizationId);
    }

    /// <summary>The organization metadata keys the sync writes; each fits Scalekit's 3–25 character limit.</summary>
    public static class MetadataKeys
    {
        public const string PeriodEnd = "subscription_period_end";
    }

    private static string Iso(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
