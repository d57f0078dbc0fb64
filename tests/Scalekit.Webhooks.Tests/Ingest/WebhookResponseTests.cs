using System.Text.Json;
using System.Text;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Tests.Ingest;

public class WebhookResponseTests
{
    [Theory]
    [InlineData(WebhookRejection.MissingHeaders, 400, "missing_headers")]
    [InlineData(WebhookRejection.MalformedHeaders, 400, "malformed_headers")]
    [InlineData(WebhookRejection.BodyNotJson, 400, "body_not_json")]
    [InlineData(WebhookRejection.MissingEventId, 400, "missing_event_id")]
    [InlineData(WebhookRejection.MissingEventType, 400, "missing_event_type")]
    [InlineData(WebhookRejection.ApiVersionMismatch, 400, "api_version_mismatch")]
    [InlineData(WebhookRejection.InvalidSignature, 401, "invalid_signature")]
    [InlineData(WebhookRejection.TimestampTooOld, 401, "timestamp_too_old")]
    [InlineData(WebhookRejection.TimestampTooNew, 401, "timestamp_too_new")]
    [InlineData(WebhookRejection.BodyTooLarge, 413, "body_too_large")]
    public void From_Rejection_IsProblemDetailsWithStatusAndReason(WebhookRejection rejection, int status, string reason)
    {
        var response = WebhookResponse.From(IngestResult.Rejected(VerificationResult.Reject(rejection, "what to check")));

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.ContentType);
        Assert.Null(response.RetryAfterSeconds);
        using var problem = JsonDocument.Parse(response.Body);
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal(reason, problem.RootElement.GetProperty("reason").GetString());
        Assert.Equal("what to check", problem.RootElement.GetProperty("detail").GetString());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("title").GetString()));
        Assert.StartsWith("urn:", problem.RootElement.GetProperty("type").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(IngestOutcome.StorageUnavailable, "storage_unavailable")]
    [InlineData(IngestOutcome.NotConfigured, "not_configured")]
    public void From_Unavailable_Is503WithRetryAfter(IngestOutcome outcome, string reason)
    {
        var response = WebhookResponse.From(new IngestResult(outcome, "retry later"));
        Assert.Equal(503, response.StatusCode);
        Assert.Equal(30, response.RetryAfterSeconds);
        using var problem = JsonDocument.Parse(response.Body);
        Assert.Equal(reason, problem.RootElement.GetProperty("reason").GetString());
    }

    [Fact]
    public void From_Accepted_Is201NamingTheEvent()
    {
        var envelope = new EventEnvelope { Source = ScalekitSource.Id, DeliveryId = "msg_1", EventId = "evt_1", EventType = "user.login", ReceivedAt = DateTimeOffset.UnixEpoch };
        var response = WebhookResponse.From(IngestResult.Accepted(envelope, claimChecked: false));
        Assert.Equal(201, response.StatusCode);
        using var body = JsonDocument.Parse(response.Body);
        Assert.Equal("evt_1", body.RootElement.GetProperty("event_id").GetString());
        Assert.Equal("user.login", body.RootElement.GetProperty("event_type").GetString());
    }

    [Fact]
    public void From_Accepted_WritesExactlyWhatTheSerializerWrites()
    {
        // Ids come from the sender: quotes, markup and non-ASCII text must be escaped as System.Text.Json escapes them.
        var envelope = new EventEnvelope { Source = ScalekitSource.Id, DeliveryId = "msg_<1>&'", EventId = "evt_\"é\"", EventType = "a+b\\c", ReceivedAt = DateTimeOffset.UnixEpoch };

        var response = WebhookResponse.From(IngestResult.Accepted(envelope, claimChecked: true));

        var expected = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["status"] = "accepted",
            ["event_id"] = envelope.EventId,
            ["event_type"] = envelope.EventType,
            ["delivery_id"] = envelope.DeliveryId,
        });
        Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(response.Body));
        Assert.Equal("application/json", response.ContentType);
    }
}
