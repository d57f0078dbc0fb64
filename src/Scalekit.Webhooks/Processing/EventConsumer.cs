using Microsoft.Extensions.Logging;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Processing;

/// <summary>
/// Handles one queue message from either event queue; the Functions queue triggers and the local host both call it.
/// Failures throw, so the host's retry and poison handling sees them.
/// </summary>
public sealed partial class EventConsumer(PayloadStore payloads, EventLedger ledger, TimeProvider time, ILogger<EventConsumer> logger)
{
    public async Task HandleAsync(BinaryData message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var envelope = EnvelopeCodec.Decode(message.ToMemory());
        using var scope = logger.BeginScope(new Dictionary<string, object>
        {
            ["Source"] = envelope.Source.Name(),
            ["EventId"] = envelope.EventId,
            ["EventType"] = envelope.EventType,
            ["DeliveryId"] = envelope.DeliveryId,
        });
        var payload = envelope.PayloadBlob is { } blob
            ? await payloads.LoadAsync(blob, cancellationToken).ConfigureAwait(false)
            : envelope.InlinePayload;
        await ledger.RecordReceivedAsync(envelope, payload, time, cancellationToken).ConfigureAwait(false);
        Log.Recorded(logger, envelope.Source, envelope.EventId, envelope.EventType, payload.Length);
    }

    private static partial class Log
    {
        [LoggerMessage(3001, LogLevel.Information, "Recorded {Source} event {EventId} ({EventType}), {PayloadBytes} payload bytes")]
        public static partial void Recorded(ILogger logger, WebhookSource source, string eventId, string eventType, int payloadBytes);
    }
}
