using System.Text;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Tests.Ingest;

public class EnvelopeCodecTests
{
    [Fact]
    public void EncodeThenDecode_InlinePayload_KeepsEveryFieldAndTheExactBytes()
    {
        // Odd spacing, escapes and non-ASCII text must come back byte for byte, or signatures could not be re-checked.
        var raw = Encoding.UTF8.GetBytes("{ \"id\" : \"evt_1\",\n\t\"type\":\"a.b\", \"name\":\"Zoë \\u00e9\\\"q\\\"\" , \"n\": 1.50 }");
        var envelope = new EventEnvelope
        {
            Source = ScalekitSource.Id,
            DeliveryId = "msg_1",
            EventId = "evt_1",
            EventType = "a.b",
            OccurredAt = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000),
            ReceivedAt = DateTimeOffset.FromUnixTimeSeconds(1_800_000_001),
            ReplayCount = 2,
            InlinePayload = raw,
        };

        var decoded = EnvelopeCodec.Decode(EnvelopeCodec.Encode(envelope));

        Assert.Equal(raw, decoded.InlinePayload.ToArray());
        Assert.Equal(envelope with { InlinePayload = decoded.InlinePayload }, decoded);
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(200_000)]
    public void Encode_IntoAPooledBuffer_WritesTheSameBytesAsTheArray(int payloadBytes)
    {
        // 200 KB outgrows the pooled buffer's first rental several times over.
        var raw = Encoding.UTF8.GetBytes("{\"id\":\"evt_1\",\"type\":\"a.b\",\"pad\":\"" + new string('x', payloadBytes) + "\"}");
        var envelope = new EventEnvelope
        {
            Source = ScalekitSource.Id,
            DeliveryId = "msg_1",
            EventId = "evt_1",
            EventType = "a.b",
            ReceivedAt = DateTimeOffset.FromUnixTimeSeconds(1_800_000_001),
            ShardKey = "emp_1",
            InlinePayload = raw,
        };
        using var pooled = new PooledBuffer(64);

        EnvelopeCodec.Encode(envelope, pooled);

        Assert.Equal(EnvelopeCodec.Encode(envelope), pooled.Memory.ToArray());
        pooled.Clear();
        EnvelopeCodec.Encode(envelope with { EventId = "evt_2" }, pooled);
        Assert.Equal("evt_2", EnvelopeCodec.Decode(pooled.Memory).EventId);
    }

    [Fact]
    public void EncodeThenDecode_BlobReference_KeepsTheReference()
    {
        var envelope = new EventEnvelope
        {
            Source = StripeSource.Id,
            DeliveryId = "dlv_1",
            EventId = "evt_2",
            EventType = "invoice.paid",
            ReceivedAt = DateTimeOffset.FromUnixTimeSeconds(1_800_000_001),
            ApiVersion = "2026-10-28.endive",
            PayloadBlob = new PayloadReference("webhook-payloads", "stripe/evt_2/dlv_1.json", 200_000, "ab"),
        };

        Assert.Equal(envelope, EnvelopeCodec.Decode(EnvelopeCodec.Encode(envelope)));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("{\"v\":1,\"source\":\"github\",\"delivery_id\":\"d\",\"event_id\":\"e\",\"event_type\":\"t\",\"received_at\":\"2026-01-01T00:00:00Z\",\"payload\":{}}")]
    [InlineData("{\"v\":2,\"source\":\"stripe\",\"delivery_id\":\"d\",\"event_id\":\"e\",\"event_type\":\"t\",\"received_at\":\"2026-01-01T00:00:00Z\",\"payload\":{}}")]
    [InlineData("{\"v\":1,\"source\":\"stripe\",\"delivery_id\":\"d\",\"event_id\":\"e\",\"event_type\":\"t\",\"received_at\":\"2026-01-01T00:00:00Z\"}")]
    public void Decode_NotAnEnvelope_ThrowsFormatException(string message)
    {
        Assert.Throws<FormatException>(() => EnvelopeCodec.Decode(Encoding.UTF8.GetBytes(message)));
    }
}
