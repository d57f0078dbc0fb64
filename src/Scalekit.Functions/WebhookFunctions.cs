using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Scalekit.Webhooks.Http;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Functions;

/// <summary>The webhook endpoints, one per event source. Anonymous: the signature is the authentication.</summary>
public sealed class WebhookFunctions(WebhookRequestHandler webhooks)
{
    [Function(nameof(ScalekitWebhook))]
    public Task<IActionResult> ScalekitWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = WebhookRequestHandler.ScalekitFunctionRoute)] HttpRequest request) =>
        Handle(request, WebhookSource.Scalekit);

    [Function(nameof(StripeWebhook))]
    public Task<IActionResult> StripeWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = WebhookRequestHandler.StripeFunctionRoute)] HttpRequest request) =>
        Handle(request, WebhookSource.Stripe);

    [Function(nameof(HrWebhook))]
    public Task<IActionResult> HrWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = WebhookRequestHandler.HrFunctionRoute)] HttpRequest request) =>
        Handle(request, WebhookSource.Hr);

    // The handler has written the response already.
    private async Task<IActionResult> Handle(HttpRequest request, WebhookSource source)
    {
        await webhooks.HandleAsync(request.HttpContext, source);
        return new EmptyResult();
    }
}
