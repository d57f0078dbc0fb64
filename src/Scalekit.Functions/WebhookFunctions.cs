using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Scalekit.Webhooks.Http;

namespace Scalekit.Functions;

/// <summary>The webhook endpoint of every event source (<c>webhooks/{source}</c>). Anonymous: the signature is the authentication.</summary>
public sealed class WebhookFunctions(WebhookRequestHandler webhooks)
{
    // The handler has written the response already (404 for a source no profile names).
    [Function(nameof(Webhook))]
    public async Task<IActionResult> Webhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = WebhookRequestHandler.FunctionRoute)] HttpRequest request, string source)
    {
        await webhooks.HandleAsync(request.HttpContext, source);
        return new EmptyResult();
    }

    /// <summary>One customer's connection to a source (<c>webhooks/hr/{connection}</c>): verified with that connection's secret.</summary>
    [Function(nameof(WebhookConnection))]
    public async Task<IActionResult> WebhookConnection(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = WebhookRequestHandler.ConnectionFunctionRoute)] HttpRequest request, string source, string connection)
    {
        await webhooks.HandleAsync(request.HttpContext, source, connection);
        return new EmptyResult();
    }
}
