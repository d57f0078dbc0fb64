using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Scalekit.Webhooks.Http;

namespace Scalekit.Functions;

/// <summary>The admin API behind function keys (x-functions-key); each route calls the shared handler.</summary>
public sealed class AdminFunctions
{
    [Function(nameof(AdminStats))]
    public Task<IActionResult> AdminStats([HttpTrigger(AuthorizationLevel.Function, "get", Route = AdminRoutes.Stats)] HttpRequest request) =>
        Respond(AdminRequestHandler.StatsAsync(request.HttpContext));

    [Function(nameof(AdminSearchEvents))]
    public Task<IActionResult> AdminSearchEvents([HttpTrigger(AuthorizationLevel.Function, "get", Route = AdminRoutes.Events)] HttpRequest request) =>
        Respond(AdminRequestHandler.SearchEventsAsync(request.HttpContext));

    [Function(nameof(AdminEvent))]
    public Task<IActionResult> AdminEvent([HttpTrigger(AuthorizationLevel.Function, "get", Route = AdminRoutes.Event)] HttpRequest request, string source, string eventId) =>
        Respond(AdminRequestHandler.EventAsync(request.HttpContext, source, eventId));

    [Function(nameof(AdminReplayEvent))]
    public Task<IActionResult> AdminReplayEvent([HttpTrigger(AuthorizationLevel.Function, "post", Route = AdminRoutes.EventReplay)] HttpRequest request, string source, string eventId) =>
        Respond(AdminRequestHandler.ReplayEventAsync(request.HttpContext, source, eventId));

    [Function(nameof(AdminDeadLetters))]
    public Task<IActionResult> AdminDeadLetters([HttpTrigger(AuthorizationLevel.Function, "get", Route = AdminRoutes.DeadLetters)] HttpRequest request) =>
        Respond(AdminRequestHandler.DeadLettersAsync(request.HttpContext));

    [Function(nameof(AdminReplayDeadLetters))]
    public Task<IActionResult> AdminReplayDeadLetters([HttpTrigger(AuthorizationLevel.Function, "post", Route = AdminRoutes.DeadLettersReplay)] HttpRequest request) =>
        Respond(AdminRequestHandler.ReplayDeadLettersAsync(request.HttpContext));

    [Function(nameof(AdminReplayDeadLetter))]
    public Task<IActionResult> AdminReplayDeadLetter([HttpTrigger(AuthorizationLevel.Function, "post", Route = AdminRoutes.DeadLetterReplay)] HttpRequest request, string source, string eventId) =>
        Respond(AdminRequestHandler.ReplayDeadLetterAsync(request.HttpContext, source, eventId));

    [Function(nameof(AdminOrganization))]
    public Task<IActionResult> AdminOrganization([HttpTrigger(AuthorizationLevel.Function, "get", Route = AdminRoutes.Organization)] HttpRequest request, string orgId) =>
        Respond(AdminRequestHandler.OrganizationAsync(request.HttpContext, orgId));

    [Function(nameof(AdminDirectoryUsers))]
    public Task<IActionResult> AdminDirectoryUsers([HttpTrigger(AuthorizationLevel.Function, "get", Route = AdminRoutes.OrganizationDirectoryUsers)] HttpRequest request, string orgId) =>
        Respond(AdminRequestHandler.DirectoryUsersAsync(request.HttpContext, orgId));

    [Function(nameof(AdminMembers))]
    public Task<IActionResult> AdminMembers([HttpTrigger(AuthorizationLevel.Function, "get", Route = AdminRoutes.OrganizationMembers)] HttpRequest request, string orgId) =>
        Respond(AdminRequestHandler.MembersAsync(request.HttpContext, orgId));

    [Function(nameof(AdminCustomer))]
    public Task<IActionResult> AdminCustomer([HttpTrigger(AuthorizationLevel.Function, "get", Route = AdminRoutes.Customer)] HttpRequest request, string customerId) =>
        Respond(AdminRequestHandler.CustomerAsync(request.HttpContext, customerId));

    // The handler has written the response already.
    private static async Task<IActionResult> Respond(Task handled)
    {
        await handled;
        return new EmptyResult();
    }
}
