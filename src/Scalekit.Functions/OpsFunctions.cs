using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Scalekit.Webhooks.Http;

namespace Scalekit.Functions;

/// <summary>The operations API behind function keys (x-functions-key); each route calls the shared handler.</summary>
public sealed class OpsFunctions(OpsRequestHandler ops, OnboardingRequestHandler onboarding, HrConnectionsRequestHandler hrConnections)
{
    [Function(nameof(OpsStats))]
    public Task<IActionResult> OpsStats([HttpTrigger(AuthorizationLevel.Function, "get", Route = OpsRoutes.Stats)] HttpRequest request) =>
        Respond(ops.StatsAsync(request.HttpContext));

    [Function(nameof(OpsSearchEvents))]
    public Task<IActionResult> OpsSearchEvents([HttpTrigger(AuthorizationLevel.Function, "get", Route = OpsRoutes.Events)] HttpRequest request) =>
        Respond(ops.SearchEventsAsync(request.HttpContext));

    [Function(nameof(OpsEvent))]
    public Task<IActionResult> OpsEvent([HttpTrigger(AuthorizationLevel.Function, "get", Route = OpsRoutes.Event)] HttpRequest request, string source, string eventId) =>
        Respond(ops.EventAsync(request.HttpContext, source, eventId));

    [Function(nameof(OpsReplayEvent))]
    public Task<IActionResult> OpsReplayEvent([HttpTrigger(AuthorizationLevel.Function, "post", Route = OpsRoutes.EventReplay)] HttpRequest request, string source, string eventId) =>
        Respond(ops.ReplayEventAsync(request.HttpContext, source, eventId));

    [Function(nameof(OpsDeadLetters))]
    public Task<IActionResult> OpsDeadLetters([HttpTrigger(AuthorizationLevel.Function, "get", Route = OpsRoutes.DeadLetters)] HttpRequest request) =>
        Respond(ops.DeadLettersAsync(request.HttpContext));

    [Function(nameof(OpsReplayDeadLetters))]
    public Task<IActionResult> OpsReplayDeadLetters([HttpTrigger(AuthorizationLevel.Function, "post", Route = OpsRoutes.DeadLettersReplay)] HttpRequest request) =>
        Respond(ops.ReplayDeadLettersAsync(request.HttpContext));

    [Function(nameof(OpsReplayDeadLetter))]
    public Task<IActionResult> OpsReplayDeadLetter([HttpTrigger(AuthorizationLevel.Function, "post", Route = OpsRoutes.DeadLetterReplay)] HttpRequest request, string source, string eventId) =>
        Respond(ops.ReplayDeadLetterAsync(request.HttpContext, source, eventId));

    [Function(nameof(OpsOrganizations))]
    public Task<IActionResult> OpsOrganizations([HttpTrigger(AuthorizationLevel.Function, "get", Route = OpsRoutes.Organizations)] HttpRequest request) =>
        Respond(ops.OrganizationsAsync(request.HttpContext));

    [Function(nameof(OpsOrganization))]
    public Task<IActionResult> OpsOrganization([HttpTrigger(AuthorizationLevel.Function, "get", Route = OpsRoutes.Organization)] HttpRequest request, string orgId) =>
        Respond(ops.OrganizationAsync(request.HttpContext, orgId));

    [Function(nameof(OpsDirectoryUsers))]
    public Task<IActionResult> OpsDirectoryUsers([HttpTrigger(AuthorizationLevel.Function, "get", Route = OpsRoutes.OrganizationDirectoryUsers)] HttpRequest request, string orgId) =>
        Respond(ops.DirectoryUsersAsync(request.HttpContext, orgId));

    [Function(nameof(OpsMembers))]
    public Task<IActionResult> OpsMembers([HttpTrigger(AuthorizationLevel.Function, "get", Route = OpsRoutes.OrganizationMembers)] HttpRequest request, string orgId) =>
        Respond(ops.MembersAsync(request.HttpContext, orgId));

    [Function(nameof(OpsEmployees))]
    public Task<IActionResult> OpsEmployees([HttpTrigger(AuthorizationLevel.Function, "get", Route = OpsRoutes.OrganizationEmployees)] HttpRequest request, string orgId) =>
        Respond(ops.EmployeesAsync(request.HttpContext, orgId));

    [Function(nameof(OpsCustomers))]
    public Task<IActionResult> OpsCustomers([HttpTrigger(AuthorizationLevel.Function, "get", Route = OpsRoutes.Customers)] HttpRequest request) =>
        Respond(ops.CustomersAsync(request.HttpContext));

    [Function(nameof(OpsCustomer))]
    public Task<IActionResult> OpsCustomer([HttpTrigger(AuthorizationLevel.Function, "get", Route = OpsRoutes.Customer)] HttpRequest request, string customerId) =>
        Respond(ops.CustomerAsync(request.HttpContext, customerId));

    [Function(nameof(OpsSyncCustomer))]
    public Task<IActionResult> OpsSyncCustomer([HttpTrigger(AuthorizationLevel.Function, "post", Route = OpsRoutes.CustomerSync)] HttpRequest request, string customerId) =>
        Respond(ops.SyncCustomerAsync(request.HttpContext, customerId));

    /// <summary>The console page and its files: anonymous (listed in <see cref="OpsRoutes.Anonymous"/>), since they hold no data.</summary>
    [Function(nameof(OpsConsole))]
    public Task<IActionResult> OpsConsole([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = OpsRoutes.Console)] HttpRequest request, string? asset) =>
        Respond(ConsoleRequestHandler.HandleAsync(request.HttpContext, asset));

    [Function(nameof(OpsErasure))]
    public Task<IActionResult> OpsErasure([HttpTrigger(AuthorizationLevel.Function, "post", Route = OpsRoutes.Erasure)] HttpRequest request) =>
        Respond(ops.ErasureAsync(request.HttpContext));

    [Function(nameof(OpsErasureJob))]
    public Task<IActionResult> OpsErasureJob([HttpTrigger(AuthorizationLevel.Function, "get", Route = OpsRoutes.ErasureJob)] HttpRequest request, string jobId) =>
        Respond(ops.ErasureStatusAsync(request.HttpContext, jobId));

    [Function(nameof(OpsAudit))]
    public Task<IActionResult> OpsAudit([HttpTrigger(AuthorizationLevel.Function, "get", Route = OpsRoutes.Audit)] HttpRequest request) =>
        Respond(ops.AuditAsync(request.HttpContext));

    [Function(nameof(OpsStartOnboarding))]
    public Task<IActionResult> OpsStartOnboarding([HttpTrigger(AuthorizationLevel.Function, "post", Route = OpsRoutes.OnboardingStart)] HttpRequest request) =>
        Respond(onboarding.StartAsync(request.HttpContext));

    [Function(nameof(OpsOnboardings))]
    public Task<IActionResult> OpsOnboardings([HttpTrigger(AuthorizationLevel.Function, "get", Route = OpsRoutes.OnboardingStart)] HttpRequest request) =>
        Respond(onboarding.ListAsync(request.HttpContext));

    [Function(nameof(OpsOnboarding))]
    public Task<IActionResult> OpsOnboarding([HttpTrigger(AuthorizationLevel.Function, "get", Route = OpsRoutes.Onboarding)] HttpRequest request, string onboardingId) =>
        Respond(onboarding.StatusAsync(request.HttpContext, onboardingId));

    [Function(nameof(OpsCreateHrConnection))]
    public Task<IActionResult> OpsCreateHrConnection([HttpTrigger(AuthorizationLevel.Function, "post", Route = OpsRoutes.HrConnections)] HttpRequest request) =>
        Respond(hrConnections.CreateAsync(request.HttpContext));

    [Function(nameof(OpsHrConnections))]
    public Task<IActionResult> OpsHrConnections([HttpTrigger(AuthorizationLevel.Function, "get", Route = OpsRoutes.HrConnections)] HttpRequest request) =>
        Respond(hrConnections.ListAsync(request.HttpContext));

    [Function(nameof(OpsHrConnection))]
    public Task<IActionResult> OpsHrConnection([HttpTrigger(AuthorizationLevel.Function, "get", Route = OpsRoutes.HrConnection)] HttpRequest request, string connectionId) =>
        Respond(hrConnections.GetAsync(request.HttpContext, connectionId));

    [Function(nameof(OpsDeleteHrConnection))]
    public Task<IActionResult> OpsDeleteHrConnection([HttpTrigger(AuthorizationLevel.Function, "delete", Route = OpsRoutes.HrConnection)] HttpRequest request, string connectionId) =>
        Respond(hrConnections.DeleteAsync(request.HttpContext, connectionId));

    [Function(nameof(OpsRotateHrConnection))]
    public Task<IActionResult> OpsRotateHrConnection([HttpTrigger(AuthorizationLevel.Function, "post", Route = OpsRoutes.HrConnectionRotate)] HttpRequest request, string connectionId) =>
        Respond(hrConnections.RotateAsync(request.HttpContext, connectionId));

    [Function(nameof(OpsHrProviders))]
    public Task<IActionResult> OpsHrProviders([HttpTrigger(AuthorizationLevel.Function, "get", Route = OpsRoutes.HrProviders)] HttpRequest request) =>
        Respond(HrConnectionsRequestHandler.ProvidersAsync(request.HttpContext));

    [Function(nameof(OpsOpenApi))]
    public Task<IActionResult> OpsOpenApi([HttpTrigger(AuthorizationLevel.Function, "get", Route = OpsRoutes.OpenApi)] HttpRequest request) =>
        Respond(OpsApiDocument.HandleAsync(request.HttpContext));

    // The handler has written the response already.
    private static async Task<IActionResult> Respond(Task handled)
    {
        await handled;
        return new EmptyResult();
    }
}
