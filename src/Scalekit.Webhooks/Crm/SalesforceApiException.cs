using System.Net;

namespace Scalekit.Webhooks.Crm;

/// <summary>
/// Salesforce answered with an error (a JSON array of <c>{message, errorCode}</c>) or with something unreadable.
/// Transient ones (408, 429, 5xx, an unreadable answer) are worth retrying later; the rest need a person.
/// </summary>
public class SalesforceApiException(HttpStatusCode statusCode, string? errorCode, string message)
    : Exception($"Salesforce API {(int)statusCode}{(errorCode is null ? string.Empty : $" {errorCode}")}: {message}")
{
    public const string MalformedAnswer = "MALFORMED_ANSWER";

    public HttpStatusCode StatusCode { get; } = statusCode;

    /// <summary>Salesforce's <c>errorCode</c> (e.g. <c>INVALID_FIELD</c>, <c>REQUEST_LIMIT_EXCEEDED</c>), when it sent one.</summary>
    public string? ErrorCode { get; } = errorCode;

    public string ApiMessage { get; } = message;

    /// <summary>The org's 24-hour API allocation is used up: stop calling until usage falls.</summary>
    public bool IsLimitExceeded => StatusCode == HttpStatusCode.Forbidden && ErrorCode == "REQUEST_LIMIT_EXCEEDED";

    public bool IsTransient => ErrorCode == MalformedAnswer || StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)StatusCode >= 500;
}

/// <summary>The record changed since it was read (412 on <c>If-Match</c>): read it again and retry.</summary>
public sealed class SalesforceConflictException(string message) : SalesforceApiException(HttpStatusCode.PreconditionFailed, "PRECONDITION_FAILED", message);
