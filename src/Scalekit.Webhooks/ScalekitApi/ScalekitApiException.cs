using System.Net;


namespace Scalekit.Webhooks.ScalekitApi;

/// <summary>
/// Scalekit answered with an error (a google.rpc.Status body). Transient ones (408, 429, 5xx) are retried by the queue;
/// permanent ones (400, 403, 404, 422, …) are recorded and parked at once.
/// </summary>
public class ScalekitApiException(HttpStatusCode statusCode, int? rpcCode, string message)
    : Exception($"Scalekit API {(int)statusCode}{(rpcCode is null ? string.Empty : $" (rpc code {rpcCode})")}: {message}")
{
    public HttpStatusCode StatusCode { get; } = statusCode;

    /// <summary>The google.rpc.Code from the body, when there was one (e.g. 5 NOT_FOUND, 16 UNAUTHENTICATED).</summary>
    public int? RpcCode { get; } = rpcCode;

    public string ApiMessage { get; } = message;

    public bool IsTransient => StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)StatusCode >= 500;
}

/// <summary>Scalekit answered success with a body that is not what its API describes; asking again gives the same answer.</summary>
public sealed class ScalekitMalformedAnswerException(string problem) : ScalekitApiException(HttpStatusCode.OK, null, $"the answer cannot be read: {problem}");

/// <summary>The organization (or other resource) does not exist in Scalekit.</summary>
public sealed class ScalekitNotFoundException(int? rpcCode, string message) : ScalekitApiException(HttpStatusCode.NotFound, rpcCode, message);
