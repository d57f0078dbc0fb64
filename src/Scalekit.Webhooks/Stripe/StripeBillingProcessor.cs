using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text;
using Column = Scalekit.Webhooks.State.ReadModelColumns;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.State;
using Stripe;

namespace Scalekit.Webhooks.Stripe;

/// <summary>
/// Applies Stripe billing events: keeps subscriptions, invoices, entitlements and customers in Tables in event order,
/// and writes subscription and customer changes to the linked Scalekit organization. Subscription events are
/// authoritative for entitlements; the entitlement summary is recorded but does not switch features on its own.
/// The state written to Scalekit comes from all of the customer's subscriptions (<see cref="BillingState.From"/>).
/// </summary>
public sealed class StripeBillingProcessor(StateStore store, CustomerBillingStore customers, BillingSync sync, ReadModel readModel, IOptions<BillingOptions> options) : IEventProcessor
{
    public static IReadOnlyList<string> HandledTypes { get; } =
    [
        "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted",
        "customer.subscription.paused", "customer.subscription.resumed", "customer.subscription.trial_will_end",
        "invoice.paid", "invoice.payment_failed", "invoice.payment_action_required",
        "customer.deleted", "checkout.session.completed", "entitlements.active_entitlement_summary.updated",
    ];

    public async Task<ProcessingOutcome> ProcessAsync(ReadOnlyMemory<byte> payload, JsonElement root, EventStamp stamp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stamp);
        if (options.Value.Problem is { } settings)
        {
            // Parked with the reason, so it can be replayed once the billing settings are fixed.
            return ProcessingOutcome.Parked($"The billing sync is off: {settings}");
        }

        if (!TryParse(payload, out var stripeEvent, out var problem))
        {
            return ProcessingOutcome.Parked(problem);
        }

        try
        {
            return await ApplyAsync(stripeEvent, stamp, cancellationToken).ConfigureAwait(false);
        }
        catch (PermanentSyncException ex)
        {
            return ProcessingOutcome.Parked(ex.Message) with { CustomerId = CustomerOf(stripeEvent) };
        }
    }

    private static bool TryParse(ReadOnlyMemory<byte> payload, [NotNullWhen(true)] out Event? stripeEvent, out string problem)
    {
        try
        {
            stripeEvent = EventUtility.ParseEvent(Encoding.UTF8.GetString(payload.Span), throwOnApiVersionMismatch: false);
            problem = string.Empty;
            return true;
        }
        catch (Exception ex) when (ex is StripeException or Newtonsoft.Json.JsonException or JsonException)
        {
            stripeEvent = null;
            problem = $"The Stripe event cannot be read: {ex.Message}";
            return false;
        }
    }

    private static string? CustomerOf(Event stripeEvent) => stripeEvent.Data.Object switch
    {
        Subscription subscription => subscription.CustomerId,
        Invoice invoice => invoice.CustomerId,
        Customer customer => customer.Id,
        _ => null,
    };

    private async Task<ProcessingOutcome> ApplyAsync(Event stripeEvent, EventStamp stamp, CancellationToken cancellationToken)
    {
        return stripeEvent.Data.Object switch
        {
            Subscription subscription when stripeEvent.Type.StartsWith("customer.subscription.", StringComparison.Ordinal) =>
                await SubscriptionAsync(subscription, stamp, cancellationToken).ConfigureAwait(false),
            Invoice invoice when stripeEvent.Type.StartsWith("invoice.", StringComparison.Ordinal) =>
                await InvoiceAsync(invoice, stamp, cancellationToken).ConfigureAwait(false),
            Customer customer when stripeEvent.Type == "customer.deleted" =>
                await CustomerDeletedAsync(customer, stamp, cancellationToken).ConfigureAwait(false),
            global::Stripe.Checkout.Session session when stripeEvent.Type == "checkout.session.completed" =>
                await CheckoutAsync(session, stamp, cancellationToken).ConfigureAwait(false),
            global::Stripe.Entitlements.ActiveEntitlementSummary summary when stripeEvent.Type == "entitlements.active_entitlement_summary.updated" =>
                await EntitlementsAsync(summary, stamp, cancellationToken).ConfigureAwait(false),
            _ => ProcessingOutcome.Ignored($"type {stripeEvent.Type} changes no billing state"),
        };
    }

    private async Task<ProcessingOutcome> SubscriptionAsync(Subscription subscription, EventStamp stamp, CancellationToken cancellationToken)
    {
        var item = subscription.Items?.Data?.FirstOrDefault();
        var lookupKey = item?.Price?.LookupKey;
        var plan = options.Value.Plans.For(lookupKey);
        var periodEnd = item?.CurrentPeriodEnd is { } end ? Utc(end) : (DateTimeOffset?)null;
        var change = new StateChange(StateTables.Subscriptions, subscription.CustomerId, subscription.Id, new Dictionary<string, object?>
        {
            [Column.SubscriptionId] = subscription.Id,
            [Column.Status] = subscription.Status,
            [Column.PriceLookupKey] = lookupKey,
            [Column.PlanType] = plan.Plan,
            [Column.Features] = JsonSerializer.Serialize(plan.Features),
            [Column.CurrentPeriodEnd] = periodEnd,
            [Column.Created] = subscription.Created == default ? null : Utc(subscription.Created),
            [Column.CancelAtPeriodEnd] = subscription.CancelAtPeriodEnd,
            [Column.TrialEnd] = subscription.TrialEnd is { } trial ? Utc(trial) : null,
        }, SoftDelete: subscription.Status == "canceled" && stamp.EventType == "customer.subscription.deleted");
        if (await store.ApplyAsync(change, stamp, cancellationToken).ConfigureAwait(false) == ApplyResult.Stale)
        {
            return ProcessingOutcome.Stale("a newer event already set this subscription") with { CustomerId = subscription.CustomerId };
        }

        return await SyncCustomerAsync(subscription.CustomerId, stamp, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ProcessingOutcome> CustomerDeletedAsync(Customer customer, EventStamp stamp, CancellationToken cancellationToken)
    {
        var change = new StateChange(StateTables.Customers, customer.Id, customer.Id, new Dictionary<string, object?>
        {
            [Column.Email] = customer.Email,
            [Column.Name] = customer.Name,
            [Column.BillingStatus] = "deleted",
            [Column.DeletedOn] = stamp.OccurredAt,
        }, SoftDelete: true);
        if (await store.ApplyAsync(change, stamp, cancellationToken).ConfigureAwait(false) == ApplyResult.Stale)
        {
            return ProcessingOutcome.Stale("a newer event already set this customer") with { CustomerId = customer.Id };
        }

        return await SyncCustomerAsync(customer.Id, stamp, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ProcessingOutcome> InvoiceAsync(Invoice invoice, EventStamp stamp, CancellationToken cancellationToken)
    {
        var change = new StateChange(StateTables.Invoices, invoice.CustomerId, invoice.Id, new Dictionary<string, object?>
        {
            [Column.Status] = invoice.Status,
            [Column.Outcome] = stamp.EventType["invoice.".Length..],
            [Column.SubscriptionId] = invoice.Parent?.SubscriptionDetails?.SubscriptionId,
            [Column.AmountDue] = invoice.AmountDue,
            [Column.AmountPaid] = invoice.AmountPaid,
            [Column.Currency] = invoice.Currency,
        });
        var result = await store.ApplyAsync(change, stamp, cancellationToken).ConfigureAwait(false);
        return result == ApplyResult.Stale
            ? ProcessingOutcome.Stale("a newer event already set this invoice") with { CustomerId = invoice.CustomerId }
            : ProcessingOutcome.Applied($"invoice {invoice.Id} {stamp.EventType["invoice.".Length..]}; subscription events carry the entitlement change") with { CustomerId = invoice.CustomerId };
    }

    private async Task<ProcessingOutcome> CheckoutAsync(global::Stripe.Checkout.Session session, EventStamp stamp, CancellationToken cancellationToken)
    {
        if (session.CustomerId is null)
        {
            return ProcessingOutcome.Ignored("checkout session without a customer");
        }

        var change = new StateChange(StateTables.Customers, session.CustomerId, session.CustomerId, new Dictionary<string, object?>
        {
            [Column.CheckoutSessionId] = session.Id,
            [Column.CheckoutSubscriptionId] = session.SubscriptionId,
            [Column.ClientReferenceId] = session.ClientReferenceId,
        });
        var result = await store.ApplyAsync(change, stamp, cancellationToken).ConfigureAwait(false);
        return result == ApplyResult.Stale
            ? ProcessingOutcome.Stale("a newer event already set this customer") with { CustomerId = session.CustomerId }
            : ProcessingOutcome.Applied($"checkout {session.Id} completed") with { CustomerId = session.CustomerId };
    }

    private async Task<ProcessingOutcome> EntitlementsAsync(global::Stripe.Entitlements.ActiveEntitlementSummary summary, EventStamp stamp, CancellationToken cancellationToken)
    {
        var keys = summary.Entitlements?.Data?.Select(e => e.LookupKey).Where(k => k is not null).ToArray() ?? [];
        var change = new StateChange(StateTables.Customers, summary.Customer, summary.Customer, new Dictionary<string, object?>
        {
            [Column.ActiveEntitlements] = JsonSerializer.Serialize(keys),
        });
        var result = await store.ApplyAsync(change, stamp, cancellationToken).ConfigureAwait(false);
        return result == ApplyResult.Stale
            ? ProcessingOutcome.Stale("a newer event already set this customer") with { CustomerId = summary.Customer }
            : ProcessingOutcome.Applied($"entitlements recorded: {string.Join(", ", keys)}") with { CustomerId = summary.Customer };
    }

    /// <summary>Derives the customer's state from all its subscriptions, stores it (a new version when it changed) and syncs it.</summary>
    private async Task<ProcessingOutcome> SyncCustomerAsync(string customerId, EventStamp stamp, CancellationToken cancellationToken)
    {
        var stored = await customers.SetStateAsync(customerId, token => DeriveStateAsync(customerId, token), stamp.EventId, cancellationToken).ConfigureAwait(false);
        var result = await sync.SyncAsync(customerId, stored.DesiredVersion, known: stored, cancellationToken: cancellationToken).ConfigureAwait(false);
        return OutcomeOf(result) with { CustomerId = customerId, OrganizationId = result.OrganizationId };
    }

    private async Task<BillingState> DeriveStateAsync(string customerId, CancellationToken cancellationToken)
    {
        var subscriptions = (await readModel.SubscriptionsAsync(customerId, cancellationToken).ConfigureAwait(false)).Select(s => s.Facts()).ToList();
        var customer = await readModel.CustomerAsync(customerId, cancellationToken).ConfigureAwait(false);
        var deletedOn = customer is { BillingStatus: "deleted" } ? customer.DeletedOn ?? customer.History.LastEvent?.OccurredAt : null;
        return BillingState.From(subscriptions, deletedOn, deletedOn)
            ?? throw new InvalidOperationException($"Customer {customerId} has no subscription or deletion to derive billing state from.");
    }

    /// <summary>The outcome of an event whose sync ended with <paramref name="result"/>.</summary>
    public static ProcessingOutcome OutcomeOf(SyncResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var detail = $"{result.Result}: {result.Detail}";
        return result.Result switch
        {
            SyncResults.WaitingForOrganization => ProcessingOutcome.Waiting(detail),
            SyncResults.NoLinkedOrganization => ProcessingOutcome.GaveUpWaiting(detail),
            SyncResults.Refused => ProcessingOutcome.Parked(detail),
            _ => ProcessingOutcome.Applied(detail),
        };
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
