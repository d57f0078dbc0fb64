using System.Collections.Concurrent;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Storage;

/// <summary>
/// Sends envelopes to their source's queue shard (by the entity they belong to, <see cref="EventShards"/>), moving the
/// body to blob storage when the message would be too large.
/// </summary>
public sealed class EventQueueWriter(StorageClients clients, PayloadStore payloads, IOptions<EventQueueOptions> options)
{
    /// <summary>
    /// The largest envelope that fits in one message: queue messages hold 64 KiB, and base64 (which the Functions
    /// queue trigger expects) turns every 3 bytes into 4.
    /// </summary>
    public const int MaxInlineEnvelopeBytes = 64 * 1024 / 4 * 3;

    // A queue client is cheap but not free to build (URIs, its pipeline's state); the writer sends to a few queues only.
    private readonly ConcurrentDictionary<string, QueueClient> _queues = new(StringComparer.Ordinal);

    /// <summary>Shards per source now (<see cref="EventQueueOptions.Shards"/>).</summary>
    public int Shards => options.Value.Shards;

    /// <summary>The queue <paramref name="envelope"/> belongs in under the current shard count.</summary>
    public string QueueFor(EventEnvelope envelope) => StorageNames.QueueFor(envelope.Source, EventShards.ShardOf(envelope, Shards));

    /// <summary>Sends <paramref name="envelope"/> to its source's queue shard (or to <paramref name="queueName"/>) and returns whether it was claim-checked.</summary>
    public async Task<bool> SendAsync(EventEnvelope envelope, string? queueName = null, TimeSpan? initialVisibilityDelay = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (Shards > 1 && envelope.ShardKey is null && envelope.PayloadBlob is null)
        {
            // Read once here, so a replay or a claim-checked copy need not read the payload again.
            envelope = envelope with { ShardKey = EventShards.EntityKey(envelope.Source, envelope.InlinePayload.Span) ?? envelope.EventId };
        }

        // The envelope is written into a pooled buffer: the SDK copies it into its base64 text anyway.
        using var message = new PooledBuffer(envelope.InlinePayload.Length + 512);
        EnvelopeCodec.Encode(envelope, message);
        var claimChecked = false;
        if (message.Length > MaxInlineEnvelopeBytes && envelope.PayloadBlob is null)
        {
            var reference = await payloads.SaveAsync(envelope.Source, envelope.EventId, envelope.DeliveryId, envelope.InlinePayload, cancellationToken).ConfigureAwait(false);
            // The key travels with the claim check: a later replay, perhaps under more shards, cannot read the payload cheaply.
            envelope = envelope with
            {
                ShardKey = envelope.ShardKey ?? EventShards.EntityKey(envelope.Source, envelope.InlinePayload.Span) ?? envelope.EventId,
                InlinePayload = default,
                PayloadBlob = reference,
            };
            message.Clear();
            EnvelopeCodec.Encode(envelope, message);
            claimChecked = true;
        }

        var queue = _queues.GetOrAdd(queueName ?? QueueFor(envelope), static (name, clients) => clients.Queue(name), clients);
        await queue.SendMessageAsync(new BinaryData(message.Memory), initialVisibilityDelay, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken).ConfigureAwait(false);
        return claimChecked;
    }
}
