using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Http;

/// <summary>Turns an ASP.NET Core request into an ingest call and writes the answer; both hosts route to this.</summary>
public sealed class WebhookRequestHandler(WebhookIngestor ingestor, RefusalThrottle throttle, IOptions<RefusalThrottleOptions> throttleOptions, ThrottledDeliveries throttled)
{
    /// <summary>The route below <c>/api/</c>, as the Functions trigger declares it: one for every source, by its name.</summary>
    public const string FunctionRoute = "webhooks/{source}";

    /// <summary>The route as the local host maps it.</summary>
    public const string Route = "/api/" + FunctionRoute;

    /// <summary>The route of one customer's connection to a source (<c>webhooks/hr/{connection}</c>), below <c>/api/</c>.</summary>
    public const string ConnectionFunctionRoute = "webhooks/{source}/{connection}";

    /// <summary>The connection route as the local host maps it.</summary>
    public const string ConnectionRoute = "/api/" + ConnectionFunctionRoute;

    /// <summary>The path a source's sender posts to (<c>/api/webhooks/scalekit</c>).</summary>
    public static string PathOf(WebhookSource source) => "/api/webhooks/" + source.Name;

    /// <summary>Ingests one delivery for the source named <paramref name="sourceName"/>; a name no source has is answered 404.</summary>
    /// <param name="context">The request.</param>
    /// <param name="sourceName">The source in the route.</param>
    /// <param name="connection">The customer connection in the route, or null on the source's shared route.</param>
    public async Task HandleAsync(HttpContext context, string? sourceName, string? connection = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!EventSources.TryParse(sourceName, out var source))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        // A client over its budget is answered before a byte of its body is read or any signature is computed.
        var client = ClientAddress.AddressOf(context, throttleOptions.Value.ForwardedForHops);
        if (throttle.IsOverBudget(client, out var wait))
        {
            if (connection is not null)
            {
                // Counted in memory and written every few seconds: a throttled flood must not cost a write per request.
                throttled.Count(source, connection);
            }

            await WriteAsync(context.Response, WebhookResponse.Throttled(wait), context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var request = context.Request;
        var headers = new WebhookHeaders(name => request.Headers.TryGetValue(name, out var values) ? values.ToString() : null);
        var result = await ingestor.IngestAsync(source, connection, request.Body, request.ContentLength, headers, context.RequestAborted).ConfigureAwait(false);
        var answer = WebhookResponse.From(result);
        if (result.Outcome is IngestOutcome.Rejected or IngestOutcome.UnknownConnection)
        {
            // Only refusals count against the sender's address; once its budget is spent they become 429s.
            if (!throttle.TryCountRefusal(client, out var retryAfter))
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
