using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Scalekit.Webhooks.Http;

/// <summary>Admin routes (below <c>/api/</c>), the same in the Functions app and the local host.</summary>
public static class AdminRoutes
{
    public const string Stats = "admin/stats";
    public const string Events = "admin/events";
    public const string Event = "admin/events/{source}/{eventId}";
    public const string EventReplay = "admin/events/{source}/{eventId}/replay";
    public const string DeadLetters = "admin/dead-letters";
    public const string DeadLettersReplay = "admin/dead-letters/replay";
    public const string DeadLetterReplay = "admin/dead-letters/{source}/{eventId}/replay";
    public const string Organization = "admin/organizations/{orgId}";
    public const string OrganizationDirectoryUsers = "admin/organizations/{orgId}/directory-users";
    public const string OrganizationMembers = "admin/organizations/{orgId}/members";
    public const string Customer = "admin/customers/{customerId}";

    /// <summary>Maps every admin route behind <paramref name="adminKey"/> (the local host's function-key check).</summary>
    public static void MapAdminApi(this IEndpointRouteBuilder endpoints, string? adminKey)
    {
        var admin = endpoints.MapGroup("/api").AddEndpointFilter(async (context, next) =>
        {
            if (!AdminKey.IsAuthorized(context.HttpContext.Request, adminKey))
            {
                await AdminRequestHandler.UnauthorizedAsync(context.HttpContext);
                return Results.Empty;
            }

            return await next(context);
        });
        admin.MapGet(Stats, (HttpContext c) => AdminRequestHandler.StatsAsync(c));
        admin.MapGet(Events, (HttpContext c) => AdminRequestHandler.SearchEventsAsync(c));
        admin.MapGet(Event, (HttpContext c, string source, string eventId) => AdminRequestHandler.EventAsync(c, source, eventId));
        admin.MapPost(EventReplay, (HttpContext c, string source, string eventId) => AdminRequestHandler.ReplayEventAsync(c, source, eventId));
        admin.MapGet(DeadLetters, (HttpContext c) => AdminRequestHandler.DeadLettersAsync(c));
        admin.MapPost(DeadLettersReplay, (HttpContext c) => AdminRequestHandler.ReplayDeadLettersAsync(c));
        admin.MapPost(DeadLetterReplay, (HttpContext c, string source, string eventId) => AdminRequestHandler.ReplayDeadLetterAsync(c, source, eventId));
        admin.MapGet(Organization, (HttpContext c, string orgId) => AdminRequestHandler.OrganizationAsync(c, orgId));
        admin.MapGet(OrganizationDirectoryUsers, (HttpContext c, string orgId) => AdminRequestHandler.DirectoryUsersAsync(c, orgId));
        admin.MapGet(OrganizationMembers, (HttpContext c, string orgId) => AdminRequestHandler.MembersAsync(c, orgId));
        admin.MapGet(Customer, (HttpContext c, string customerId) => AdminRequestHandler.CustomerAsync(c, customerId));
    }
}
