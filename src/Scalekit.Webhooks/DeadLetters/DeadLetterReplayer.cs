using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Telemetry;

namespace Scalekit.Webhooks.DeadLetters;

/// <summary>What one replayer run did; <paramref name="OutOfTime"/> when it stopped at its time budget with messages left.</summary>
public sealed record ReplayRun(int Replayed, int Parked, bool OutOfTime = false);

/// <summary>
/// Works the poison queues of every shard (the timer trigger calls it): each message goes back to its source's queue
/// (the shard its entity belongs to now) with its replay count raised and a growing delay, until after
/// <see cref="DeadLetterOptions.MaxReplays"/> replays it is parked. The poison queues of the <see cref="WorkQueues"/>
/// follow the same rules, going back to their own queue. Several batches per queue are in flight, so a run
/// moves at the speed of the queue; it takes new batches only within <see cref="DeadLetterOptions.RunBudget"/>.
/// Every step adds before it deletes, so a crash can duplicate a message (the ledger absorbs that) but never lose one.
/// </summary>
public sealed partial class DeadLetterReplayer(
    StorageClients clients,
    EventQueueWriter writer,
    DeadLetterStore deadLetters,
    EventLedger ledger,
    IOptions<DeadLetterOptions> options,
    TimeProvider time,
    ILogger<DeadLetterReplayer> logger)
{
    public async Task<ReplayRun> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var started = time.GetTimestamp();
        var poisonQueues = new List<(string Tag, QueueClient Queue, Func<QueueMessage, CancellationToken, Task<bool>> Handle)>();
        foreach (var source in EventSources.Sources)
        {
            var queues = StorageNames.AllShards.Select(shard => clients.Queue(StorageNames.PoisonQueueFor(source, shard))).ToList();
            await AddNonEmptyAsync(source.Name, queues, (message, token) => HandleAsync(source, message, token)).ConfigureAwait(false);
        }

        foreach (var work in WorkQueues.All)
        {
            await AddNonEmptyAsync(work.WorkType, [clients.Queue(work.PoisonQueue)], (message, token) => HandleWorkAsync(work, message, token)).ConfigureAwait(false);
        }

        async Task AddNonEmptyAsync(string tag, List<QueueClient> queues, Func<QueueMessage, CancellationToken, Task<bool>> handle)
        {
            var depths = await Task.WhenAll(queues.Select(queue => queue.GetPropertiesAsync(cancellationToken))).ConfigureAwait(false);
            PipelineTelemetry.PoisonDepth.Record(depths.Sum(depth => (long)depth.Value.ApproximateMessagesCount), new KeyValuePair<string, object?>("source", tag));
            poisonQueues.AddRange(queues.Where((_, index) => depths[index].Value.ApproximateMessagesCount > 0).Select(queue => (tag, queue, handle)));
        }

        var run = new RunCounts();
        var workers = poisonQueues.SelectMany(poison => Enumerable.Range(0, options.Value.ConcurrentBatches)
            .Select(_ => WorkAsync(poison.Tag, poison.Queue, poison.Handle, started, run, cancellationToken)));
        await Task.WhenAll(workers).ConfigureAwait(false);

        if (run.Replayed + run.Parked > 0)
        {
            Log.RunFinished(logger, run.Replayed, run.Parked, run.OutOfTime);
        }

        return new ReplayRun(run.Replayed, run.Parked, run.OutOfTime);
    }

    /// <summary>One worker on one poison queue: receive a batch, handle its messages at once, repeat until empty or out of time.</summary>
    private async Task WorkAsync(string tagValue, QueueClient poison, Func<QueueMessage, CancellationToken, Task<bool>> handle, long started, RunCounts run, CancellationToken cancellationToken)
    {
        var tag = new KeyValuePair<string, object?>("source", tagValue);
        while (true)
        {
            if (time.GetElapsedTime(started) >= options.Value.RunBudget)
            {
                run.OutOfTime = true;
                return;
            }

            QueueMessage[] batch = await poison.ReceiveMessagesAsync(options.Value.BatchSize, options.Value.Lease, cancellationToken).ConfigureAwait(false);
            if (batch.Length == 0)
            {
                return;
            }

            await Task.WhenAll(batch.Select(async message =>
            {
                if (await handle(message, cancellationToken).ConfigureAwait(false))
                {
                    Interlocked.Increment(ref run.Replayed);
                    PipelineTelemetry.Replayed.Add(1, tag);
                }
                else
                {
                    Interlocked.Increment(ref run.Parked);
                    PipelineTelemetry.Parked.Add(1, tag);
                }

                await poison.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
            })).ConfigureAwait(false);
        }
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
            var entry = await ledger.FindAsync(source, envelope.EventId, cancellationToken).ConfigureAwait(false);
            var reason = entry?.LastError ?? $"still failing after {envelope.ReplayCount} replays";
            await deadLetters.ParkAsync(source, envelope.EventId, envelope.EventType, message.Body, reason,
                entry?.Attempts ?? 0, envelope.ReplayCount, entry?.LastFailedAt ?? envelope.ReceivedAt, cancellationToken).ConfigureAwait(false);
            Log.Parked(logger, source, envelope.EventId, reason);
            return false;
        }

        var delay = options.Value.DelayFor(envelope.ReplayCount);
        await writer.SendAsync(envelope with { ReplayCount = envelope.ReplayCount + 1 }, initialVisibilityDelay: delay, cancellationToken: cancellationToken).ConfigureAwait(false);
        Log.Replayed(logger, source, envelope.EventId, envelope.ReplayCount + 1, delay);
        return true;
    }

    /// <summary>
    /// A work message: sent back to its work queue with its replay count raised and the same growing delay, or parked
    /// as a dead letter after <see cref="DeadLetterOptions.MaxReplays"/> replays (its consumer makes a resend harmless).
    /// </summary>
    private async Task<bool> HandleWorkAsync(ReplayableWork work, QueueMessage message, CancellationToken cancellationToken)
    {
        JsonObject? body;
        try
        {
            body = JsonNode.Parse(message.Body.ToMemory().Span) as JsonObject;
        }
        catch (JsonException)
        {
            body = null;
        }

        var replayCount = body is null ? 0 : WorkQueues.ReplayCountOf(body);
        if (body is null || work.KeyOf(body) is not { } key)
        {
            var id = work.DeadLetterId("msg_" + message.MessageId);
            await deadLetters.ParkAsync(work.Source, id, work.WorkType, message.Body, $"not a {work.Queue} message", (int)message.DequeueCount, replayCount, null, cancellationToken).ConfigureAwait(false);
            Log.WorkParked(logger, work.Queue, id, "unreadable");
            return false;
        }

        if (replayCount >= options.Value.MaxReplays)
        {
            var id = work.DeadLetterId(key);
            var reason = $"{work.Queue}: still failing after {replayCount} replays ({message.DequeueCount} attempts in the last); see its consumer's record for the last error";
            await deadLetters.ParkAsync(work.Source, id, work.WorkType, message.Body, reason, (int)message.DequeueCount, replayCount, null, cancellationToken).ConfigureAwait(false);
            Log.WorkParked(logger, work.Queue, id, reason);
            return false;
        }

        var delay = options.Value.DelayFor(replayCount);
        await clients.Queue(work.Queue).SendMessageAsync(WorkQueues.WithReplayCount(body, replayCount + 1), delay, cancellationToken: cancellationToken).ConfigureAwait(false);
        Log.WorkReplayed(logger, work.Queue, key, replayCount + 1, delay);
        return true;
    }

    private sealed class RunCounts
    {
        public int Replayed;
        public int Parked;
        public volatile bool OutOfTime;
    }

    private static partial class Log
    {
        [LoggerMessage(6001, LogLevel.Information, "Replayed {Source} event {EventId} from the poison queue (replay {ReplayCount}, visible in {Delay})")]
        public static partial void Replayed(ILogger logger, WebhookSource source, string eventId, int replayCount, TimeSpan delay);

        [LoggerMessage(6002, LogLevel.Error, "{Source} event {EventId} parked as permanently failed: {Reason}")]
        public static partial void Parked(ILogger logger, WebhookSource source, string eventId, string reason);

        [LoggerMessage(6003, LogLevel.Information, "Dead-letter run: {Replayed} replayed, {Parked} parked; stopped at its time budget: {OutOfTime}")]
        public static partial void RunFinished(ILogger logger, int replayed, int parked, bool outOfTime);

        [LoggerMessage(6004, LogLevel.Information, "Replayed {Queue} message {Key} from its poison queue (replay {ReplayCount}, visible in {Delay})")]
        public static partial void WorkReplayed(ILogger logger, string queue, string key, int replayCount, TimeSpan delay);

        [LoggerMessage(6005, LogLevel.Error, "{Queue} message {DeadLetterId} parked as permanently failed: {Reason}")]
        public static partial void WorkParked(ILogger logger, string queue, string deadLetterId, string reason);
    }
}
