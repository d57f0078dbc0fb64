using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Scalekit.Webhooks.Ingest;

/// <summary>
/// Writes and reads envelopes as UTF-8 JSON. The raw event body is embedded as a JSON value, byte for byte,
/// so it needs no escaping or extra encoding and is read back exactly as received.
/// </summary>
public static class EnvelopeCodec
{
    public static byte[] Encode(EventEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var buffer = new ArrayBufferWriter<byte>(envelope.InlinePayload.Length + 512);
        Encode(envelope, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes <paramref name="envelope"/> to <paramref name="output"/>, so a caller can use a pooled buffer.</summary>
    public static void Encode(EventEnvelope envelope, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            writer.WriteNumber("v", EventEnvelope.CurrentVersion);
            writer.WriteString("source", envelope.Source.Name);
            writer.WriteString("delivery_id", envelope.DeliveryId);
            writer.WriteString("event_id", envelope.EventId);
            writer.WriteString("event_type", envelope.EventType);
            if (envelope.OccurredAt is { } occurredAt)
            {
                writer.WriteString("occurred_at", occurredAt);
            }

            writer.WriteString("received_at", envelope.ReceivedAt);
            if (envelope.ApiVersion is not null)
            {
                writer.WriteString("api_version", envelope.ApiVersion);
            }

            writer.WriteNumber("replay_count", envelope.ReplayCount);
            if (envelope.Forced)
            {
                writer.WriteBoolean("forced", true);
            }

            if (envelope.ShardKey is not null)
            {
                writer.WriteString("shard_key", envelope.ShardKey);
            }

            if (envelope.PayloadBlob is { } blob)
            {
                writer.WriteStartObject("payload_blob");
                writer.WriteString("container", blob.Container);
                writer.WriteString("name", blob.BlobName);
                writer.WriteNumber("length", blob.Length);
                writer.WriteString("sha256", blob.Sha256);
                writer.WriteEndObject();
            }
            else
            {
                writer.WritePropertyName("payload");
                // The body was validated as JSON at ingest; skipping re-validation keeps this allocation-free.
                writer.WriteRawValue(envelope.InlinePayload.Span, skipInputValidation: true);
            }

            writer.WriteEndObject();
        }
    }

    /// <summary>Reads an envelope; throws <see cref="FormatException"/> when the message is not one.</summary>
    public static EventEnvelope Decode(ReadOnlyMemory<byte> message)
    {
        try
        {
            return DecodeCore(message);
        }
        catch (JsonException ex)
        {
            throw new FormatException("The queue message is not a valid event envelope: " + ex.Message, ex);
        }
    }

    private static EventEnvelope DecodeCore(ReadOnlyMemory<byte> message)
    {
        var reader = new Utf8JsonReader(message.Span);
        Expect(reader.Read() && reader.TokenType == JsonTokenType.StartObject, "expected a JSON object");
        string? source = null, deliveryId = null, eventId = null, eventType = null, apiVersion = null, shardKey = null;
        DateTimeOffset? occurredAt = null, receivedAt = null;
        var replayCount = 0;
        var forced = false;
        var version = 0;
        ReadOnlyMemory<byte> payload = default;
        PayloadReference? blob = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "v": version = reader.GetInt32(); break;
                case "source": source = reader.GetString(); break;
                case "delivery_id": deliveryId = reader.GetString(); break;
                case "event_id": eventId = reader.GetString(); break;
                case "event_type": eventType = reader.GetString(); break;
                case "occurred_at": occurredAt = reader.GetDateTimeOffset(); break;
                case "received_at": receivedAt = reader.GetDateTimeOffset(); break;
                case "api_version": apiVersion = reader.GetString(); break;
                case "replay_count": replayCount = reader.GetInt32(); break;
                case "forced": forced = reader.GetBoolean(); break;
                case "shard_key": shardKey = reader.GetString(); break;
                case "payload":
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    payload = message[start..(int)reader.BytesConsumed];
                    break;
                case "payload_blob": blob = ReadBlob(ref reader); break;
                default: reader.Skip(); break;
            }
        }

        Expect(version == EventEnvelope.CurrentVersion, $"unsupported envelope version {version.ToString(CultureInfo.InvariantCulture)}");
        Expect(EventSources.TryParse(source, out var parsedSource), "unknown source");
        Expect(deliveryId is not null && eventId is not null && eventType is not null && receivedAt is not null, "missing envelope fields");
        Expect(blob is not null || !payload.IsEmpty, "no payload and no payload_blob");
        return new EventEnvelope
        {
            Source = parsedSource,
            DeliveryId = deliveryId!,
            EventId = eventId!,
            EventType = eventType!,
            OccurredAt = occurredAt,
            ReceivedAt = receivedAt!.Value,
            ApiVersion = apiVersion,
            ReplayCount = replayCount,
            Forced = forced,
            ShardKey = shardKey,
            InlinePayload = payload,
            PayloadBlob = blob,
        };
    }

    private static PayloadReference ReadBlob(ref Utf8JsonReader reader)
    {
        string? container = null, name = null, sha = null;
        long length = -1;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.GetString();
            reader.Read();
            switch (property)
            {
                case "container": container = reader.GetString(); break;
                case "name": name = reader.GetString(); break;
                case "length": length = reader.GetInt64(); break;
                case "sha256": sha = reader.GetString(); break;
                default: reader.Skip(); break;
            }
        }

        Expect(container is not null && name is not null && sha is not null && length >= 0, "incomplete payload_blob");
        return new PayloadReference(container!, name!, length, sha!);
    }

    private static void Expect(bool condition, string why)
    {
        if (!condition)
        {
            throw new JsonException(why);
        }
    }
}
