using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Http;

/// <summary>Turns an ASP.NET Core request into an ingest call and writes the answer; both hosts route to this.</summary>
public sealed class WebhookRequestHandler(WebhookIngestor ingestor, RefusalThrottle throttle, IOptions<RefusalThrottleOptions> throttleOptions)
{
    /// <summary>Routes below <c>/api/</c>, as the Functions triggers declare them.</summary>
    public const string ScalekitFunctionRoute = "webhooks/scalekit";
    public const string StripeFunctionRoute = "webhooks/stripe";
    public const string HrFunctionRoute = "webhooks/hr";

    public const string ScalekitRoute = "/api/" + ScalekitFunctionRoute;
    public const string StripeRoute = "/api/" + StripeFunctionRoute;
    public const string HrRoute = "/api/" + HrFunctionRoute;

    public async Task HandleAsync(HttpContext context, WebhookSource source)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        var headers = new WebhookHeaders(name => request.Headers.TryGetValue(name, out var values) ? values.ToString() : null);
        var result = await ingestor.IngestAsync(source, request.Body, request.ContentLength, headers, context.RequestAborted).ConfigureAwait(false);
        var answer = WebhookResponse.From(result);
        if (result.Outcome == IngestOutcome.Rejected)
        {
            // Only refusals count against the sender's address; once its budget is spent they become 429s.
            if (!throttle.TryCountRefusal(ClientAddress.Of(context, throttleOptions.Value.ForwardedForHops), out var retryAfter))
            {
                answer = WebhookResponse.Throttled(retryAfter);
            }
        }

        await WriteAsync(context.Response, answer, context.RequestAborted).ConfigureAwait(false);
    }

    public static async Task WriteAsync(HttpResponse response, WebhookResponse answer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(answer);
        response.StatusCode = answer.StatusCode;
        response.ContentType = answer.ContentType;
        response.ContentLength = answer.Body.Length;
        if (answer.RetryAfterSeconds is { } retryAfter)
        {
            response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await response.Body.WriteAsync(answer.Body, cancellationToken).ConfigureAwait(false);
    }
}
