using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Operations;

/// <summary>The operations API's Stripe customers: the search, and one customer with its subscriptions, billing sync and seats.</summary>
public sealed partial class OpsQueries
{
    /// <summary>
    /// Customers whose id or linked organization contains <paramref name="text"/>, in id order (every one when it is
    /// empty); text with an <c>@</c> searches the emails their checkouts and deletions recorded instead.
    /// </summary>
    public async Task<OpsPage<CustomerSummaryView>> CustomersAsync(string? text, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        if (text is not null && text.Contains('@', StringComparison.Ordinal))
        {
            var (byEmail, emailToken) = await customers.SearchByEmailAsync(text, Clamp(pageSize), continuation, cancellationToken).ConfigureAwait(false);
            var views = new List<CustomerSummaryView>(byEmail.Count);
            foreach (var customer in byEmail)
            {
                views.Add(Summary(customer.CustomerId, await billing.GetAsync(customer.CustomerId, cancellationToken).ConfigureAwait(false), customer.Email, customer.DeletedOn));
            }

            return new OpsPage<CustomerSummaryView>(views, emailToken);
        }

        var (rows, token) = await billing.SearchAsync(text, Clamp(pageSize), continuation, cancellationToken).ConfigureAwait(false);
        return new OpsPage<CustomerSummaryView>([.. rows.Select(row => Summary(row.CustomerId, row, null, row.State?.DeletedAt))], token);
    }

    private static CustomerSummaryView Summary(string customerId, CustomerBilling? row, string? email, DateTimeOffset? deletedAt) => new(
        customerId,
        row?.LastAttempt?.OrganizationId,
        email,
        row?.State?.Status,
        row?.State?.Plan,
        row?.LastAttempt?.Result,
        row?.LastAttempt?.At,
        deletedAt);

    /// <summary>The customer's subscriptions, entitlements, linked organization and last sync, or null when unknown.</summary>
    public async Task<CustomerView?> CustomerAsync(string customerId, CancellationToken cancellationToken = default)
    {
        var body = await CustomerBodyAsync(customerId, cancellationToken).ConfigureAwait(false);
        return body.Customer is null && body.Subscriptions.Count == 0 && body.Sync is null && body.Seats is null ? null : body;
    }

    /// <summary>The billing sync of one customer as the API shows it: versions, the state, the last attempt.</summary>
    public static SyncView? SyncBody(CustomerBilling? row)
    {
        if (row is null)
        {
            return null;
        }

        var last = row.LastAttempt;
        var state = row.State;
        return new SyncView(
            row.DesiredVersion,
            row.SyncedVersion,
            row.SourceEventId,
            state is null ? null : new BillingStateView(state.SubscriptionId, state.Status, state.Plan, state.PeriodEnd, state.Features, state.UpdatedAt, state.DeletedAt),
            row.WaitingSince,
            last is null ? null : new SyncAttemptView(last.At, last.Result, last.Reason, row.LastAttemptVersion, last.OrganizationId, last.OverBudget, last.Metadata, last.Features));
    }

    private async Task<CustomerView> CustomerBodyAsync(string customerId, CancellationToken cancellationToken)
    {
        var customer = await customers.GetAsync(customerId, cancellationToken).ConfigureAwait(false);
        var customerSubscriptions = await subscriptions.ListAsync(customerId, cancellationToken).ConfigureAwait(false);
        var sync = await billing.GetAsync(customerId, cancellationToken).ConfigureAwait(false);
        var organizationId = sync?.LastAttempt?.OrganizationId ?? await links.FindAsync(customerId, cancellationToken).ConfigureAwait(false);
        return new CustomerView(
            customerId,
            organizationId,
            SyncBody(sync),
            customer is null ? null : new CustomerDetailsView(customer.Email, customer.Name, customer.BillingStatus, customer.DeletedOn,
                customer.CheckoutSessionId, customer.CheckoutSubscriptionId, customer.ClientReferenceId, Applied(customer.History)),
            [.. customerSubscriptions.Select(s => new SubscriptionView(s.SubscriptionId, s.Status, s.PriceLookupKey, s.Plan, s.Features, s.CurrentPeriodEnd, s.Created,
                s.CancelAtPeriodEnd, s.TrialEnd, s.History.DeletedAt, Applied(s.History), s.Items))],
            customer?.ActiveEntitlements ?? [],
            organizationId is null ? null : await SeatsAsync(organizationId, cancellationToken).ConfigureAwait(false));
    }

    private async Task<SeatSyncView?> SeatsAsync(string organizationId, CancellationToken cancellationToken) =>
        await seats.LastAsync(organizationId, cancellationToken).ConfigureAwait(false) is { } last
            ? new SeatSyncView(last.At, last.Result.Outcome, last.Result.Detail, last.Result.ItemId, last.Result.From, last.Result.To)
            : null;
}
