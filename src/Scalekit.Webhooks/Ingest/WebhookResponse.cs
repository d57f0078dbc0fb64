using System.Buffers;
using System.Text.Json;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Ingest;

/// <summary>
/// The HTTP answer to a delivery, independent of any web framework: 201 with the event id, or an
/// RFC 9457 problem document whose <c>reason</c> says what to check.
/// </summary>
public sealed record WebhookResponse(int StatusCode, string ContentType, byte[] Body, int? RetryAfterSeconds)
{
    public const int RetryAfterSecondsOnUnavailable = 30;
    private const string ProblemContentType = "application/problem+json";

    public static WebhookResponse From(IngestResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Outcome switch
        {
            IngestOutcome.Accepted => new WebhookResponse(201, "application/json", AcceptedBody(result), null),
            IngestOutcome.Rejected => Problem(StatusFor(result.Rejection!.Value), ReasonCode(result.Rejection.Value), result.Detail, null),
            IngestOutcome.NotConfigured => Problem(503, "not_configured", result.Detail, RetryAfterSecondsOnUnavailable),
            IngestOutcome.StorageUnavailable => Problem(503, "storage_unavailable", result.Detail, RetryAfterSecondsOnUnavailable),
            IngestOutcome.UnknownConnection => Problem(404, "unknown_connection", result.Detail, null),
            IngestOutcome.Gone => Problem(410, "route_removed", result.Detail, null),
            IngestOutcome.Acknowledged => new WebhookResponse(200, "application/json", "{\"status\":\"acknowledged\"}"u8.ToArray(), null),
            _ => throw new ArgumentOutOfRangeException(nameof(result)),
        };
    }

    /// <summary>429: this address has spent its budget of refused deliveries; the refusal's own reason is not disclosed.</summary>
    public static WebhookResponse Throttled(TimeSpan retryAfter) => Problem(429, "too_many_refused_deliveries",
        "Too many refused deliveries from this address; check the signing secret and headers, then retry after the Retry-After seconds.",
        Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)));

    public static int StatusFor(WebhookRejection rejection) => rejection switch
    {
        WebhookRejection.TimestampTooOld or WebhookRejection.TimestampTooNew or WebhookRejection.InvalidSignature => 401,
        WebhookRejection.BodyTooLarge => 413,
        _ => 400,
    };

    /// <summary>The stable, machine-readable reason (snake_case) used in problem documents and logs.</summary>
    public static string ReasonCode(WebhookRejection rejection) => rejection switch
    {
        WebhookRejection.MissingHeaders => "missing_headers",
        WebhookRejection.MalformedHeaders => "malformed_headers",
        WebhookRejection.TimestampTooOld => "timestamp_too_old",
        WebhookRejection.TimestampTooNew => "timestamp_too_new",
        WebhookRejection.InvalidSignature => "invalid_signature",
        WebhookRejection.BodyTooLarge => "body_too_large",
        WebhookRejection.BodyNotJson => "body_not_json",
        WebhookRejection.MissingEventId => "missing_event_id",
        WebhookRejection.MissingEventType => "missing_event_type",
        WebhookRejection.ApiVersionMismatch => "api_version_mismatch",
        WebhookRejection.InvalidEvent => "invalid_event",
        _ => throw new ArgumentOutOfRangeException(nameof(rejection), rejection, null),
    };

    /// <summary>Written directly (every accepted delivery pays for it): the same JSON the serializer would write.</summary>
    private static byte[] AcceptedBody(IngestResult result)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("status", "accepted");
            writer.WriteString("event_id", result.EventId);
            writer.WriteString("event_type", result.EventType);
            writer.WriteString("delivery_id", result.DeliveryId);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static WebhookResponse Problem(int status, string reason, string detail, int? retryAfter) =>
        new(status, ProblemContentType, JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["type"] = "urn:scalekit-functions:problem:" + reason.Replace('_', '-'),
            ["title"] = Title(status),
            ["status"] = status,
            ["detail"] = detail,
            ["reason"] = reason,
        }), retryAfter);

    private static string Title(int status) => status switch
    {
        400 => "Bad webhook request",
        401 => "Webhook signature not accepted",
        404 => "No such webhook connection",
        410 => "Webhook route removed",
        413 => "Webhook body too large",
        429 => "Too many refused webhook deliveries",
        _ => "Webhook receiver temporarily unavailable",
    };
}
