using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Scalekit.Webhooks.Http;

/// <summary>
/// Operations routes (below <c>/api/</c>), the same in the Functions app and the local host. They live under
/// <c>ops/</c> because the Functions host reserves every route that starts with <c>admin</c> or <c>runtime</c>.
/// </summary>
public static class OpsRoutes
{
    public const string Stats = "ops/stats";
    public const string Events = "ops/events";
    public const string Event = "ops/events/{source}/{eventId}";
    public const string EventReplay = "ops/events/{source}/{eventId}/replay";
    public const string DeadLetters = "ops/dead-letters";
    public const string DeadLettersReplay = "ops/dead-letters/replay";
    public const string DeadLetterReplay = "ops/dead-letters/{source}/{eventId}/replay";
    public const string Organizations = "ops/organizations";
    public const string Organization = "ops/organizations/{orgId}";
    public const string OrganizationDirectoryUsers = "ops/organizations/{orgId}/directory-users";
    public const string OrganizationMembers = "ops/organizations/{orgId}/members";
    public const string OrganizationEmployees = "ops/organizations/{orgId}/employees";
    public const string Customers = "ops/customers";
    public const string Customer = "ops/customers/{customerId}";
    public const string CustomerSync = "ops/customers/{customerId}/sync";
    public const string Erasure = "ops/erasure";
    public const string ErasureJob = "ops/erasure/{jobId}";
    public const string Audit = "ops/audit";
    public const string OnboardingStart = "ops/onboarding";
    public const string Onboarding = "ops/onboarding/{onboardingId}";
    public const string ReconcileStripe = "ops/reconcile/stripe";
    public const string Reconcile = "ops/reconcile/{id}";
    public const string HrConnections = "ops/hr/connections";
    public const string HrConnection = "ops/hr/connections/{connectionId}";
    public const string HrConnectionRotate = "ops/hr/connections/{connectionId}/rotate";
    public const string HrProviders = "ops/hr/providers";

    /// <summary>The OpenAPI document of these routes (<see cref="OpsApiDocument"/>).</summary>
    public const string OpenApi = "ops/openapi.json";

    /// <summary>
    /// The operations console: the page at <c>/api/ops/console</c> (<see cref="ConsoleRequestHandler.PagePath"/>), or
    /// one of its files when <c>asset</c> is given.
    /// </summary>
    public const string Console = "ops/console/{asset?}";

    /// <summary>The only operations routes that answer without the key (static pages whose every API call carries it).</summary>
    public static IReadOnlyList<string> Anonymous { get; } = [Console];

    /// <summary>
    /// Maps every operations route behind <paramref name="opsKey"/> (the local host's function-key check), and the
    /// console page outside it.
    /// </summary>
    public static void MapOpsApi(this IEndpointRouteBuilder endpoints, string? opsKey)
    {
        endpoints.MapGet("/api/" + Console, (HttpContext c, string? asset) => ConsoleRequestHandler.HandleAsync(c, asset));
        var ops = endpoints.MapGroup("/api").AddEndpointFilter(async (context, next) =>
        {
            OpsResponseHeaders.Apply(context.HttpContext.Response);
            if (!OpsKey.IsAuthorized(context.HttpContext.Request, opsKey))
            {
                await OpsRequestHandler.UnauthorizedAsync(context.HttpContext);
                return Results.Empty;
            }

            return await next(context);
        });
        ops.MapGet(Stats, (HttpContext c, OpsRequestHandler handler) => handler.StatsAsync(c));
        ops.MapGet(Events, (HttpContext c, OpsRequestHandler handler) => handler.SearchEventsAsync(c));
        ops.MapGet(Event, (HttpContext c, string source, string eventId, OpsRequestHandler handler) => handler.EventAsync(c, source, eventId));
        ops.MapPost(EventReplay, (HttpContext c, string source, string eventId, OpsRequestHandler handler) => handler.ReplayEventAsync(c, source, eventId));
        ops.MapGet(DeadLetters, (HttpContext c, OpsRequestHandler handler) => handler.DeadLettersAsync(c));
        ops.MapPost(DeadLettersReplay, (HttpContext c, OpsRequestHandler handler) => handler.ReplayDeadLettersAsync(c));
        ops.MapPost(DeadLetterReplay, (HttpContext c, string source, string eventId, OpsRequestHandler handler) => handler.ReplayDeadLetterAsync(c, source, eventId));
        ops.MapGet(Organizations, (HttpContext c, OpsRequestHandler handler) => handler.OrganizationsAsync(c));
        ops.MapGet(Organization, (HttpContext c, string orgId, OpsRequestHandler handler) => handler.OrganizationAsync(c, orgId));
        ops.MapGet(OrganizationDirectoryUsers, (HttpContext c, string orgId, OpsRequestHandler handler) => handler.DirectoryUsersAsync(c, orgId));
        ops.MapGet(OrganizationMembers, (HttpContext c, string orgId, OpsRequestHandler handler) => handler.MembersAsync(c, orgId));
        ops.MapGet(OrganizationEmployees, (HttpContext c, string orgId, OpsRequestHandler handler) => handler.EmployeesAsync(c, orgId));
        ops.MapGet(Customers, (HttpContext c, OpsRequestHandler handler) => handler.CustomersAsync(c));
        ops.MapGet(Customer, (HttpContext c, string customerId, OpsRequestHandler handler) => handler.CustomerAsync(c, customerId));
        ops.MapPost(CustomerSync, (HttpContext c, string customerId, OpsRequestHandler handler) => handler.SyncCustomerAsync(c, customerId));
        ops.MapPost(Erasure, (HttpContext c, OpsRequestHandler handler) => handler.ErasureAsync(c));
        ops.MapGet(ErasureJob, (HttpContext c, string jobId, OpsRequestHandler handler) => handler.ErasureStatusAsync(c, jobId));
        ops.MapGet(Audit, (HttpContext c, OpsRequestHandler handler) => handler.AuditAsync(c));
        ops.MapPost(OnboardingStart, (HttpContext c, OnboardingRequestHandler handler) => handler.StartAsync(c));
        ops.MapGet(OnboardingStart, (HttpContext c, OnboardingRequestHandler handler) => handler.ListAsync(c));
        ops.MapGet(Onboarding, (HttpContext c, string onboardingId, OnboardingRequestHandler handler) => handler.StatusAsync(c, onboardingId));
        ops.MapPost(ReconcileStripe, (HttpContext c, RecoveryRequestHandler handler) => handler.StartStripeAsync(c));
        ops.MapGet(Reconcile, (HttpContext c, string id, RecoveryRequestHandler handler) => handler.StatusAsync(c, id));
        ops.MapPost(HrConnections, (HttpContext c, HrConnectionsRequestHandler handler) => handler.CreateAsync(c));
        ops.MapGet(HrConnections, (HttpContext c, HrConnectionsRequestHandler handler) => handler.ListAsync(c));
        ops.MapGet(HrConnection, (HttpContext c, string connectionId, HrConnectionsRequestHandler handler) => handler.GetAsync(c, connectionId));
        ops.MapDelete(HrConnection, (HttpContext c, string connectionId, HrConnectionsRequestHandler handler) => handler.DeleteAsync(c, connectionId));
        ops.MapPost(HrConnectionRotate, (HttpContext c, string connectionId, HrConnectionsRequestHandler handler) => handler.RotateAsync(c, connectionId));
        ops.MapGet(HrProviders, (HttpContext c) => HrConnectionsRequestHandler.ProvidersAsync(c));
        ops.MapGet(OpenApi, (HttpContext c) => OpsApiDocument.HandleAsync(c));
    }
}
