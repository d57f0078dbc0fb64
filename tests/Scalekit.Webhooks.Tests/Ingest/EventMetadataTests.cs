using System.Text;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Tests.Ingest;

public class EventMetadataTests
{
    [Fact]
    public void TryRead_ScalekitEvent_ReadsIdTypeAndNanosecondTime()
    {
        var ok = Read("{\"id\":\"evt_1\",\"type\":\"organization.created\",\"occurred_at\":\"2026-11-24T05:54:30.123456789Z\",\"data\":{\"id\":\"org_1\"}}", out var metadata, out _);
        Assert.True(ok);
        Assert.Equal("evt_1", metadata!.EventId);
        Assert.Equal("organization.created", metadata.EventType);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 5, 54, 30, TimeSpan.Zero).AddTicks(1_234_567), metadata.OccurredAt);
    }

    [Fact]
    public void TryRead_StripeEvent_ReadsCreatedAndApiVersion()
    {
        Assert.True(Read("{\"id\":\"evt_9\",\"object\":\"event\",\"type\":\"invoice.paid\",\"created\":1800000000,\"api_version\":\"2026-10-28.endive\"}", out var metadata, out _));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000), metadata!.OccurredAt);
        Assert.Equal("2026-10-28.endive", metadata.ApiVersion);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2,3]")]
    [InlineData("\"string\"")]
    [InlineData("{\"id\":\"evt_1\",\"type\":\"x\"")]
    [InlineData("{\"id\":\"evt_1\",\"type\":\"x\"} trailing")]
    [InlineData("{\"id\":\"evt_1\",\"type\":\"x\"}{}")]
    [InlineData("")]
    public void TryRead_NotAJsonObject_IsBodyNotJson(string body)
    {
        Assert.False(Read(body, out _, out var failure));
        Assert.Equal(WebhookRejection.BodyNotJson, failure.Rejection);
    }

    [Fact]
    public void TryRead_InvalidUtf8_IsBodyNotJson()
    {
        byte[] body = [(byte)'{', (byte)'"', (byte)'a', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}'];
        Assert.False(EventMetadata.TryRead(body, out _, out var failure));
        Assert.Equal(WebhookRejection.BodyNotJson, failure.Rejection);
    }

    [Fact]
    public void TryRead_DeeplyNested_IsBodyNotJson()
    {
        var body = "{\"id\":\"evt_1\",\"type\":\"x\",\"data\":" + new string('[', 5000) + new string(']', 5000) + "}";
        Assert.False(Read(body, out _, out var failure));
        Assert.Equal(WebhookRejection.BodyNotJson, failure.Rejection);
    }

    [Theory]
    [InlineData("{\"type\":\"x\"}", WebhookRejection.MissingEventId)]
    [InlineData("{\"id\":\"\",\"type\":\"x\"}", WebhookRejection.MissingEventId)]
    [InlineData("{\"id\":42,\"type\":\"x\"}", WebhookRejection.MissingEventId)]
    [InlineData("{\"id\":\"evt_1\"}", WebhookRejection.MissingEventType)]
    [InlineData("{\"id\":\"evt_1\",\"type\":null}", WebhookRejection.MissingEventType)]
    public void TryRead_MissingIdOrType_SaysWhich(string body, WebhookRejection expected)
    {
        Assert.False(Read(body, out _, out var failure));
        Assert.Equal(expected, failure.Rejection);
    }

    [Fact]
    public void TryRead_NestedIdAndType_AreNotMistakenForTopLevel()
    {
        Assert.False(Read("{\"data\":{\"id\":\"org_1\",\"type\":\"x\"}}", out _, out var failure));
        Assert.Equal(WebhookRejection.MissingEventId, failure.Rejection);
    }

    private static bool Read(string body, out EventMetadata? metadata, out VerificationResult failure) =>
        EventMetadata.TryRead(Encoding.UTF8.GetBytes(body), out metadata, out failure);

    [Theory]
    [InlineData("{\"id\":\"evt_\\ud800\",\"type\":\"x\"}")]
    [InlineData("{\"id\":\"evt_1\",\"type\":\"x\\udc00\"}")]
    [InlineData("{\"id\":\"evt_1\",\"type\":\"x\",\"data\":{\"id\":\"org_\\ud800\"}}")]
    [InlineData("{\"id\":\"evt_1\",\"type\":\"x\",\"data\":[{\"a\\udfff\":1}]}")]
    [InlineData("{\"\\ud800\":1,\"id\":\"evt_1\",\"type\":\"x\"}")]
    public void TryRead_EscapedLoneSurrogateAnywhere_IsBodyNotJson(string body)
    {
        Assert.False(EventMetadata.TryRead(Encoding.UTF8.GetBytes(body), out _, out var failure));
        Assert.Equal(WebhookRejection.BodyNotJson, failure.Rejection);
        Assert.Contains("surrogate", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_EscapedSurrogatePair_IsRead()
    {
        Assert.True(EventMetadata.TryRead(Encoding.UTF8.GetBytes("{\"id\":\"evt_\\ud83d\\ude00\",\"type\":\"x\",\"data\":{\"n\":\"\\u00e9\"}}"), out var metadata, out _));
        Assert.Equal("evt_\U0001F600", metadata!.EventId);
    }

    [Theory]
    [InlineData(256, true)]
    [InlineData(257, false)]
    public void TryRead_IdOfLength_IsAcceptedUpTo256(int length, bool accepted)
    {
        var body = $"{{\"id\":\"{new string('e', length)}\",\"type\":\"x\"}}";
        Assert.Equal(accepted, EventMetadata.TryRead(Encoding.UTF8.GetBytes(body), out _, out var failure));
        Assert.Equal(accepted ? null : WebhookRejection.MissingEventId, failure.Rejection);
    }

    [Fact]
    public void TryRead_ApiVersionOver64Characters_IsRefused()
    {
        var body = $"{{\"id\":\"evt_1\",\"type\":\"x\",\"api_version\":\"{new string('v', 65)}\"}}";
        Assert.False(EventMetadata.TryRead(Encoding.UTF8.GetBytes(body), out _, out var failure));
        Assert.Equal(WebhookRejection.ApiVersionMismatch, failure.Rejection);
    }
}
