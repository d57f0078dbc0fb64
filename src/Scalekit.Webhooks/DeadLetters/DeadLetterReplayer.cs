using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Telemetry;

namespace Scalekit.Webhooks.DeadLetters;

/// <summary>What one replayer run did.</summary>
public sealed record ReplayRun(int Replayed, int Parked);

/// <summary>
/// Works the poison queues (the timer trigger calls it): each message goes back to its source queue with its replay
/// count raised and a growing delay, until after <see cref="DeadLetterOptions.MaxReplays"/> replays it is parked.
/// Every step adds before it deletes, so a crash can duplicate a message (the ledger absorbs that) but never lose one.
/// </summary>
public sealed partial class DeadLetterReplayer(
    StorageClients clients,
    EventQueueWriter writer,
    DeadLetterStore deadLetters,
    EventLedger ledger,
    IOptions<DeadLetterOptions> options,
    ILogger<DeadLetterReplayer> logger)
{
    public async Task<ReplayRun> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var replayed = 0;
        var parked = 0;
        foreach (var source in Enum.GetValues<WebhookSource>())
        {
            var poison = clients.Queue(StorageNames.PoisonQueueFor(source));
            var depth = await poison.GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
            PipelineTelemetry.PoisonDepth.Record(depth.Value.ApproximateMessagesCount, new KeyValuePair<string, object?>("source", source.Name()));
            for (var handled = 0; handled < options.Value.MaxMessagesPerRun;)
            {
                QueueMessage[] batch = await poison.ReceiveMessagesAsync(options.Value.BatchSize, options.Value.Lease, cancellationToken).ConfigureAwait(false);
                if (batch.Length == 0)
                {
                    break;
                }

                foreach (var message in batch)
                {
                    var tag = new KeyValuePair<string, object?>("source", source.Name());
                    if (await HandleAsync(source, message, cancellationToken).ConfigureAwait(false))
                    {
                        replayed++;
                        PipelineTelemetry.Replayed.Add(1, tag);
                    }
                    else
                    {
                        parked++;
                        PipelineTelemetry.Parked.Add(1, tag);
                    }

                    await poison.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
                    handled++;
                }
            }
        }

        if (replayed + parked > 0)
        {
            Log.RunFinished(logger, replayed, parked);
        }

        return new ReplayRun(replayed, parked);
    }

    /// <summary>Returns true when the message was sent back for another try, false when it was parked.</summary>
    private async Task<bool> HandleAsync(WebhookSource source, QueueMessage message, CancellationToken cancellationToken)
    {
        EventEnvelope envelope;
        try
        {
            envelope = EnvelopeCodec.Decode(message.Body.ToMemory());
        }
        catch (FormatException ex)
        {
            await deadLetters.ParkAsync(source, "msg_" + message.MessageId, "(not an event envelope)", message.Body, ex.Message, (int)message.DequeueCount, 0, null, cancellationToken).ConfigureAwait(false);
            Log.Parked(logger, source, "msg_" + message.MessageId, ex.Message);
            return false;
        }

        if (envelope.ReplayCount >= options.Value.MaxReplays)
        {
            var row = await ledger.FindAsync(source, envelope.EventId, cancellationToken).ConfigureAwait(false);
            var reason = row?.GetString("LastError") ?? $"still failing after {envelope.ReplayCount} replays";
            await deadLetters.ParkAsync(source, envelope.EventId, envelope.EventType, message.Body, reason,
                row?.GetInt32("Attempts") ?? 0, envelope.ReplayCount, row?.GetDateTimeOffset("LastFailedAt") ?? envelope.ReceivedAt, cancellationToken).ConfigureAwait(false);
            Log.Parked(logger, source, envelope.EventId, reason);
            return false;
        }

        var delay = options.Value.DelayFor(envelope.ReplayCount);
        await writer.SendAsync(envelope with { ReplayCount = envelope.ReplayCount + 1 }, initialVisibilityDelay: delay, cancellationToken: cancellationToken).ConfigureAwait(false);
        Log.Replayed(logger, source, envelope.EventId, envelope.ReplayCount + 1, delay);
        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(6001, LogLevel.Information, "Replayed {Source} event {EventId} from the poison queue (replay {ReplayCount}, visible in {Delay})")]
        public static partial void Replayed(ILogger logger, WebhookSource source, string eventId, int replayCount, TimeSpan delay);

        [LoggerMessage(6002, LogLevel.Error, "{Source} event {EventId} parked as permanently failed: {Reason}")]
        public static partial void Parked(ILogger logger, WebhookSource source, string eventId, string reason);

        [LoggerMessage(6003, LogLevel.Information, "Dead-letter run: {Replayed} replayed, {Parked} parked")]
        public static partial void RunFinished(ILogger logger, int replayed, int parked);
    }
}
