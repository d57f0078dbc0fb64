using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe.Entitlements;
using Stripe;

namespace Scalekit.Webhooks.Stripe;

/// <summary>
/// Applies Stripe billing events: keeps subscriptions, invoices, entitlements and customers in Tables in event order,
/// and writes subscription and customer changes to the linked Scalekit organization. The state written to Scalekit
/// comes from all of the customer's subscriptions (<see cref="BillingState.From"/>); its features come from the plan
/// map, or with <c>BILLING_FEATURE_SOURCE=entitlements</c> from the newest entitlement summary
/// (<see cref="BillingState.WithEntitlements"/>), which then switches features on its own.
/// </summary>
public sealed class StripeBillingProcessor(
    SubscriptionStore subscriptions,
    CustomerStore customers,
    InvoiceStore invoices,
    CustomerBillingStore billing,
    BillingSync sync,
    IOptions<BillingOptions> options,
    IOptions<BillingFeatureOptions> features,
    IEnumerable<ICheckoutCompletedListener> checkoutListeners) : IEventProcessor
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

        return await ApplyAsync(stripeEvent, stamp, cancellationToken).ConfigureAwait(false);
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
        global::Stripe.Entitlements.ActiveEntitlementSummary summary => summary.Customer,
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
        // Every item counts: the plan comes from the plan item, the features from all items (add-ons included).
        var items = subscription.Items?.Data ?? [];
        var plan = options.Value.Plans.For([.. items.Select(i => i.Price?.LookupKey)]);
        var lookupKey = plan.LookupKey;
        var item = items.FirstOrDefault(i => i.Price?.LookupKey == lookupKey) ?? items.FirstOrDefault();
        var periodEnd = item?.CurrentPeriodEnd is { } end ? Utc(end) : (DateTimeOffset?)null;
        var change = new SubscriptionChange(
            subscription.CustomerId,
            subscription.Id,
            subscription.Status,
            lookupKey,
            plan.Plan,
            plan.Features,
            periodEnd,
            subscription.Created == default ? null : Utc(subscription.Created),
            subscription.CancelAtPeriodEnd,
            subscription.TrialEnd is { } trial ? Utc(trial) : null,
            Deleted: subscription.Status == "canceled" && stamp.EventType == "customer.subscription.deleted",
            Items: [.. items.Select(i => new SubscriptionItem(i.Id, i.Price?.LookupKey, i.Quantity))]);
        if (await subscriptions.ApplyAsync(change, stamp, cancellationToken).ConfigureAwait(false) == ApplyResult.Stale)
        {
            return ProcessingOutcome.Stale("a newer event already set this subscription") with { CustomerId = subscription.CustomerId };
        }

        return await SyncCustomerAsync(subscription.CustomerId, stamp, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ProcessingOutcome> CustomerDeletedAsync(Customer customer, EventStamp stamp, CancellationToken cancellationToken)
    {
        var change = new CustomerDeletion(customer.Id, customer.Email, customer.Name, stamp.OccurredAt);
        if (await customers.ApplyAsync(change, stamp, cancellationToken).ConfigureAwait(false) == ApplyResult.Stale)
        {
            return ProcessingOutcome.Stale("a newer event already set this customer") with { CustomerId = customer.Id };
        }

        return await SyncCustomerAsync(customer.Id, stamp, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ProcessingOutcome> InvoiceAsync(Invoice invoice, EventStamp stamp, CancellationToken cancellationToken)
    {
        var change = new InvoiceChange(
            invoice.CustomerId, invoice.Id, invoice.Status, stamp.EventType["invoice.".Length..], invoice.Parent?.SubscriptionDetails?.SubscriptionId,
            invoice.AmountDue, invoice.AmountPaid, invoice.Currency);
        var result = await invoices.ApplyAsync(change, stamp, cancellationToken).ConfigureAwait(false);
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

        var change = new CustomerCheckout(session.CustomerId, session.Id, session.SubscriptionId, session.ClientReferenceId, session.CustomerDetails?.Email, session.CustomerDetails?.Name);
        var result = await customers.ApplyAsync(change, stamp, cancellationToken).ConfigureAwait(false);
        foreach (var listener in checkoutListeners)
        {
            // Whatever else changed the customer since: onboarding is keyed by the customer, so a repeat finds the same one.
            if (await listener.CheckoutCompletedAsync(session, cancellationToken).ConfigureAwait(false) is { } reaction)
            {
                return reaction with { CustomerId = session.CustomerId };
            }
        }

        return result == ApplyResult.Stale
            ? ProcessingOutcome.Stale("a newer event already set this customer") with { CustomerId = session.CustomerId }
            : ProcessingOutcome.Applied($"checkout {session.Id} completed") with { CustomerId = session.CustomerId };
    }

    private async Task<ProcessingOutcome> EntitlementsAsync(global::Stripe.Entitlements.ActiveEntitlementSummary summary, EventStamp stamp, CancellationToken cancellationToken)
    {
        string[] keys = summary.Entitlements?.Data?.Select(e => e.LookupKey).OfType<string>().ToArray() ?? [];
        var result = await customers.ApplyAsync(new CustomerEntitlements(summary.Customer, keys), stamp, cancellationToken).ConfigureAwait(false);
        if (!features.Value.UsesEntitlements)
        {
            return result == ApplyResult.Stale
                ? ProcessingOutcome.Stale("a newer event already set this customer") with { CustomerId = summary.Customer }
                : ProcessingOutcome.Applied($"entitlements recorded: {string.Join(", ", keys)}") with { CustomerId = summary.Customer };
        }

        // The summary is the whole current list; the newest by the event's created wins, whatever else changed the customer.
        if (!await billing.SetEntitlementsAsync(summary.Customer, new EntitlementSummary(keys, stamp.OccurredAt, stamp.EventId), cancellationToken).ConfigureAwait(false))
        {
            return ProcessingOutcome.Stale("a newer entitlement summary already set this customer's features") with { CustomerId = summary.Customer };
        }

        return await SyncCustomerAsync(summary.Customer, stamp, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Derives the customer's state from all its subscriptions, stores it (a new version when it changed) and syncs it.</summary>
    private async Task<ProcessingOutcome> SyncCustomerAsync(string customerId, EventStamp stamp, CancellationToken cancellationToken)
    {
        var stored = await billing.SetStateAsync(customerId, (row, token) => DeriveStateAsync(customerId, row, token), stamp.EventId, cancellationToken).ConfigureAwait(false);
        var result = await sync.SyncAsync(customerId, stored.DesiredVersion, known: stored, cancellationToken: cancellationToken).ConfigureAwait(false);
        return result.Result == SyncResults.Refused
            ? ProcessingOutcome.Parked(result.Detail) with { CustomerId = customerId }
            : OutcomeOf(result) with { CustomerId = customerId, OrganizationId = result.OrganizationId };
    }

    private async Task<BillingState> DeriveStateAsync(string customerId, CustomerBilling? row, CancellationToken cancellationToken)
    {
        var facts = (await subscriptions.ListAsync(customerId, cancellationToken).ConfigureAwait(false)).Select(s => s.Facts()).ToList();
        var customer = await customers.GetAsync(customerId, cancellationToken).ConfigureAwait(false);
        var deletedOn = customer is { BillingStatus: "deleted" } ? customer.DeletedOn ?? customer.History.LastEvent?.OccurredAt : null;
        var state = BillingState.From(facts, deletedOn, deletedOn);
        if (features.Value.UsesEntitlements)
        {
            state = BillingState.WithEntitlements(state, row?.Entitlements is { } summary ? features.Value.FeaturesFor(summary.LookupKeys) : null, row?.Entitlements?.At);
        }

        return state
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
