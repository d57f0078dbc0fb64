using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Stripe;

/// <summary>A Stripe invoice as one invoice event describes it; <c>Outcome</c> is the event's kind (<c>paid</c>, <c>payment_failed</c>, …).</summary>
public sealed record InvoiceChange(string CustomerId, string InvoiceId, string? Status, string Outcome, string? SubscriptionId, long AmountDue, long AmountPaid, string? Currency) : ReadModelChange
{
    public override StateChange ToRow() => InvoiceStore.Row(this);
}

/// <summary>The <c>Invoices</c> table (partition = the customer, one row per invoice), written in event order. Nothing reads it back yet.</summary>
public sealed class InvoiceStore(StateStore rows)
{
    private const string Status = "Status";
    private const string Outcome = "Outcome";
    private const string SubscriptionId = "SubscriptionId";
    private const string AmountDue = "AmountDue";
    private const string AmountPaid = "AmountPaid";
    private const string Currency = "Currency";

    public Task<ApplyResult> ApplyAsync(InvoiceChange change, EventStamp stamp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        return rows.ApplyAsync(Row(change), stamp, cancellationToken);
    }

    internal static StateChange Row(InvoiceChange change) => new(StateTables.Invoices, change.CustomerId, change.InvoiceId, new Dictionary<string, object?>(6, StringComparer.Ordinal)
    {
        [Status] = change.Status,
        [Outcome] = change.Outcome,
        [SubscriptionId] = change.SubscriptionId,
        [AmountDue] = change.AmountDue,
        [AmountPaid] = change.AmountPaid,
        [Currency] = change.Currency,
    });
}
