using Azure.Storage.Queues;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Storage;

/// <summary>Sends envelopes to their source's queue, moving the body to blob storage when the message would be too large.</summary>
public sealed class EventQueueWriter(StorageClients clients, PayloadStore payloads)
{
    /// <summary>
    /// The largest envelope that fits in one message: queue messages hold 64 KiB, and base64 (which the Functions
    /// queue trigger expects) turns every 3 bytes into 4.
    /// </summary>
    public const int MaxInlineEnvelopeBytes = 64 * 1024 / 4 * 3;

    /// <summary>Sends <paramref name="envelope"/> to its source's queue (or to <paramref name="queueName"/>) and returns whether it was claim-checked.</summary>
    public async Task<bool> SendAsync(EventEnvelope envelope, string? queueName = null, TimeSpan? initialVisibilityDelay = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var message = EnvelopeCodec.Encode(envelope);
        var claimChecked = false;
        if (message.Length > MaxInlineEnvelopeBytes && envelope.PayloadBlob is null)
        {
            var reference = await payloads.SaveAsync(envelope.Source, envelope.EventId, envelope.DeliveryId, envelope.InlinePayload, cancellationToken).ConfigureAwait(false);
            message = EnvelopeCodec.Encode(envelope with { InlinePayload = default, PayloadBlob = reference });
            claimChecked = true;
        }

        QueueClient queue = clients.Queue(queueName ?? StorageNames.QueueFor(envelope.Source));
        await queue.SendMessageAsync(BinaryData.FromBytes(message), initialVisibilityDelay, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken).ConfigureAwait(false);
        return claimChecked;
    }
}
