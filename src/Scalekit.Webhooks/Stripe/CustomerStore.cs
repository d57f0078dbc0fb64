using System.Text.Json;
using Azure.Data.Tables;
using Scalekit.Webhooks.Privacy;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Stripe;

/// <summary>A Stripe customer's deletion (<c>customer.deleted</c>): the row stays, soft-deleted, with its billing status <c>deleted</c>.</summary>
public sealed record CustomerDeletion(string CustomerId, string? Email, string? Name, DateTimeOffset DeletedOn) : ReadModelChange
{
    public override StateChange ToRow() => CustomerStore.Row(this);
}

/// <summary>A completed checkout of a customer (<c>checkout.session.completed</c>).</summary>
public sealed record CustomerCheckout(string CustomerId, string SessionId, string? SubscriptionId, string? ClientReferenceId, string? Email = null, string? Name = null) : ReadModelChange
{
    public override StateChange ToRow() => CustomerStore.Row(this);
}

/// <summary>The lookup keys of a customer's active entitlements (<c>entitlements.active_entitlement_summary.updated</c>).</summary>
public sealed record CustomerEntitlements(string CustomerId, IReadOnlyList<string> LookupKeys) : ReadModelChange
{
    public override StateChange ToRow() => CustomerStore.Row(this);
}

/// <summary>A Stripe customer as its billing events last described it.</summary>
public sealed record CustomerRecord(
    string CustomerId,
    string? Email,
    string? Name,
    string? BillingStatus,
    DateTimeOffset? DeletedOn,
    string? CheckoutSessionId,
    string? CheckoutSubscriptionId,
    string? ClientReferenceId,
    IReadOnlyList<string> ActiveEntitlements,
    RowHistory History);

/// <summary>
/// The <c>Customers</c> table: one row per Stripe customer, in its own partition. Each kind of event writes only its
/// own columns of the row, in event order.
/// </summary>
public sealed class CustomerStore(StateStore rows, StorageClients clients)
{
    private const string Email = "Email";
    private const string Name = "Name";
    private const string BillingStatus = "BillingStatus";
    private const string DeletedOn = "DeletedOn";
    private const string CheckoutSessionId = "CheckoutSessionId";
    private const string CheckoutSubscriptionId = "CheckoutSubscriptionId";
    private const string ClientReferenceId = "ClientReferenceId";
    private const string ActiveEntitlements = "ActiveEntitlements";

    /// <summary>A Stripe customer's email and name, as <c>customer.deleted</c> left them.</summary>
    public static PersonalDataTable PersonalData { get; } = new(StateTables.Customers,
        [Email, Name],
        new Dictionary<ErasureSubjectKind, string> { [ErasureSubjectKind.Email] = Email });

    private readonly TableClient _table = clients.Tables.GetTableClient(StateTables.Customers);

    public Task<ApplyResult> ApplyAsync(CustomerDeletion change, EventStamp stamp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        return rows.ApplyAsync(Row(change), stamp, cancellationToken);
    }

    public Task<ApplyResult> ApplyAsync(CustomerCheckout change, EventStamp stamp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        return rows.ApplyAsync(Row(change), stamp, cancellationToken);
    }

    public Task<ApplyResult> ApplyAsync(CustomerEntitlements change, EventStamp stamp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        return rows.ApplyAsync(Row(change), stamp, cancellationToken);
    }

    internal static StateChange Row(CustomerDeletion change) => new(StateTables.Customers, change.CustomerId, change.CustomerId, new Dictionary<string, object?>(4, StringComparer.Ordinal)
    {
        [Email] = change.Email,
        [Name] = change.Name,
        [BillingStatus] = "deleted",
        [DeletedOn] = change.DeletedOn,
    }, SoftDelete: true);

    internal static StateChange Row(CustomerCheckout change)
    {
        var columns = new Dictionary<string, object?>(5, StringComparer.Ordinal)
        {
            [CheckoutSessionId] = change.SessionId,
            [CheckoutSubscriptionId] = change.SubscriptionId,
            [ClientReferenceId] = change.ClientReferenceId,
        };

        // The buyer's details are kept only when the session has them, so a later checkout without them keeps the earlier ones.
        if (change.Email is not null)
        {
            columns[Email] = change.Email;
        }

        if (change.Name is not null)
        {
            columns[Name] = change.Name;
        }

        return new(StateTables.Customers, change.CustomerId, change.CustomerId, columns);
    }

    internal static StateChange Row(CustomerEntitlements change) => new(StateTables.Customers, change.CustomerId, change.CustomerId, new Dictionary<string, object?>(1, StringComparer.Ordinal)
    {
        [ActiveEntitlements] = JsonSerializer.Serialize(change.LookupKeys),
    });

    internal static CustomerRecord Record(string customerId, TableEntity row) => new(
        customerId,
        row.GetString(Email),
        row.GetString(Name),
        row.GetString(BillingStatus),
        row.GetDateTimeOffset(DeletedOn),
        row.GetString(CheckoutSessionId),
        row.GetString(CheckoutSubscriptionId),
        row.GetString(ClientReferenceId),
        ReadModelRows.Strings(row, ActiveEntitlements),
        ReadModelRows.History(row));

    public async Task<CustomerRecord?> GetAsync(string customerId, CancellationToken cancellationToken = default)
    {
        var row = await ReadModelRows.GetAsync(_table, customerId, customerId, cancellationToken).ConfigureAwait(false);
        return row is null ? null : Record(customerId, row);
    }

    /// <summary>Customers whose email contains <paramref name="text"/> (any case), in key order; see <see cref="TableSearch"/>.</summary>
    public Task<(IReadOnlyList<CustomerRecord> Items, string? Token)> SearchByEmailAsync(string text, int pageSize, string? continuation, CancellationToken cancellationToken = default) =>
        TableSearch.SearchAsync(_table, row =>
            row.GetString(Email) is { } email && email.Contains(text, StringComparison.OrdinalIgnoreCase) ? Record(ReadModelRows.IdOf(row), row) : null,
            pageSize, continuation, TableSearch.DefaultScanLimit, cancellationToken);
}
