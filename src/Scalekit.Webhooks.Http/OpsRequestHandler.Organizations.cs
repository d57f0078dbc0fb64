using Microsoft.AspNetCore.Http;
using Scalekit.Webhooks.Operations;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Http;

/// <summary>The operations API's organizations and Stripe customers: lists, views, and a customer's re-sync.</summary>
public sealed partial class OpsRequestHandler
{
    public async Task OrganizationAsync(HttpContext context, string organizationId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var organization = await queries.OrganizationAsync(organizationId, context.RequestAborted);
        await (organization is null ? NotFoundAsync(context, $"no event has described organization {organizationId}") : JsonAsync(context, 200, organization));
    }

    public Task DirectoryUsersAsync(HttpContext context, string organizationId) =>
        PagedAsync(context, (pageSize, token, cancellationToken) => queries.DirectoryUsersAsync(organizationId, pageSize, token, cancellationToken));

    public Task MembersAsync(HttpContext context, string organizationId) =>
        PagedAsync(context, (pageSize, token, cancellationToken) => queries.MembersAsync(organizationId, pageSize, token, cancellationToken));

    public Task EmployeesAsync(HttpContext context, string organizationId) =>
        PagedAsync(context, (pageSize, token, cancellationToken) => queries.EmployeesAsync(organizationId, pageSize, token, cancellationToken));

    /// <summary>One page of <paramref name="read"/>, after checking the request's <c>pageSize</c> (answered 400 when wrong).</summary>
    private static async Task PagedAsync<T>(HttpContext context, Func<int, string?, CancellationToken, Task<T>> read)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (await PageSizeAsync(context) is not { } pageSize)
        {
            return;
        }

        await JsonAsync(context, 200, await read(pageSize, Text(context.Request.Query["continuationToken"]), context.RequestAborted));
    }

    public async Task CustomerAsync(HttpContext context, string customerId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var customer = await queries.CustomerAsync(customerId, context.RequestAborted);
        await (customer is null ? NotFoundAsync(context, $"no billing event has described customer {customerId}") : JsonAsync(context, 200, customer));
    }

    /// <summary>Lists organizations, paged, searched by <c>q</c> (name, id, external id or domain); <c>over_budget=true</c> lists those whose metadata is full.</summary>
    public async Task OrganizationsAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var query = context.Request.Query;
        if (query.ContainsKey("over_budget"))
        {
            if (!string.Equals(Text(query["over_budget"]), "true", StringComparison.OrdinalIgnoreCase))
            {
                await BadQueryAsync(context, "over_budget", "must be true: it lists organizations whose metadata has no room for billing's keys.");
                return;
            }

            await JsonAsync(context, 200, await queries.OverBudgetOrganizationsAsync(context.RequestAborted));
            return;
        }

        if (await PageSizeAsync(context) is not { } pageSize || await SearchTextAsync(context) is not { } text)
        {
            return;
        }

        await JsonAsync(context, 200, await queries.OrganizationsAsync(text.Length == 0 ? null : text, pageSize, Text(query["continuationToken"]), context.RequestAborted));
    }

    /// <summary>Lists Stripe customers known from billing events, paged, searched by <c>q</c> (customer id, organization id, or part of an email).</summary>
    public async Task CustomersAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (await PageSizeAsync(context) is not { } pageSize || await SearchTextAsync(context) is not { } text)
        {
            return;
        }

        await JsonAsync(context, 200, await queries.CustomersAsync(text.Length == 0 ? null : text, pageSize, Text(context.Request.Query["continuationToken"]), context.RequestAborted));
    }

    /// <summary>The <c>q</c> search text, trimmed (empty when absent); null once answered 400 naming it.</summary>
    private static async Task<string?> SearchTextAsync(HttpContext context)
    {
        var text = context.Request.Query["q"].ToString().Trim();
        if (text.Length <= MaxSearchLength && !text.Any(char.IsControl))
        {
            return text;
        }

        await BadQueryAsync(context, "q", $"must be at most {MaxSearchLength} characters of text.");
        return null;
    }

    private const int MaxSearchLength = 200;

    /// <summary>Writes the customer's current billing state to its organization now, or looks for the organization again.</summary>
    public async Task SyncCustomerAsync(HttpContext context, string customerId)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!await RouteIdAsync(context, "customerId", customerId))
        {
            return;
        }

        SyncResult? result;
        try
        {
            result = await lateLinks.SyncNowAsync(customerId, context.RequestAborted);
        }
        catch (RowBusyException ex)
        {
            await audit.RecordAsync(context, "re-sync", $"customer {customerId}", "busy");
            await ProblemAsync(context, 409, "sync_busy", ex.Message);
            return;
        }

        await audit.RecordAsync(context, "re-sync", $"customer {customerId}", result is null ? "not found" : $"{result.Result}: {result.Detail}");
        if (result is null)
        {
            await NotFoundAsync(context, $"no billing event has described customer {customerId}");
            return;
        }

        await JsonAsync(context, result.Result == SyncResults.Refused ? 409 : 200, new SyncResultView(customerId, result.Result, result.OrganizationId, result.Version, result.Detail));
    }
}
