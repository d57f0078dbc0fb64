using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Scalekit.Webhooks.Http;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Functions;

/// <summary>The webhook endpoints. Anonymous: the signature is the authentication.</summary>
public sealed class WebhookFunctions(WebhookRequestHandler webhooks)
{
    [Function(nameof(ScalekitWebhook))]
    public async Task<IActionResult> ScalekitWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = WebhookRequestHandler.ScalekitFunctionRoute)] HttpRequest request)
    {
        await webhooks.HandleAsync(request.HttpContext, WebhookSource.Scalekit);
        return new EmptyResult();
    }

    [Function(nameof(StripeWebhook))]
    public async Task<IActionResult> StripeWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = WebhookRequestHandler.StripeFunctionRoute)] HttpRequest request)
    {
        await webhooks.HandleAsync(request.HttpContext, WebhookSource.Stripe);
        return new EmptyResult();
    }

    [Function(nameof(HrWebhook))]
    public async Task<IActionResult> HrWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = WebhookRequestHandler.HrFunctionRoute)] HttpRequest request)
    {
        await webhooks.HandleAsync(request.HttpContext, WebhookSource.Hr);
        return new EmptyResult();
    }
}
