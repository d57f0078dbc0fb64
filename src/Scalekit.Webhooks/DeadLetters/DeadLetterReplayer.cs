using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
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
/// <remarks>
/// <paramref name="Skipped"/>: messages left to reappear because too little of their lease was left to act on them.
/// <paramref name="Overtaken"/>: messages handled whose lease ran out before the delete, so another receive took them.
/// </remarks>
public sealed record ReplayRun(int Replayed, int Parked, bool OutOfTime = false, int Skipped = 0, int Overtaken = 0);

/// <summary>
/// Works the poison queues of every shard (the timer trigger calls it): each message goes back to its source's queue
/// (the shard its entity belongs to now) with its replay count raised and a growing delay, until after
/// <see cref="DeadLetterOptions.MaxReplays"/> replays it is parked. The poison queues of the <see cref="WorkQueues"/>
/// follow the same rules, going back to their own queue. Several batches per queue are in flight, so a run
/// moves at the speed of the queue; it takes new batches only within <see cref="DeadLetterOptions.RunBudget"/>.
/// On a slow store it takes fewer and smaller batches (<see cref="ReplayPace"/>) and acts on no message whose lease
/// has less than <see cref="DeadLetterOptions.LeaseMargin"/> left, so slowness costs time rather than duplicates (a
/// request that still times out is tried again, and a send the store carried out late arrives twice).
/// Every step adds before it deletes, so a crash can duplicate a message (the ledger absorbs that) but never lose one.
/// </summary>
public sealed partial class DeadLetterReplayer(
    StorageClients clients,
    EventQueueWriter writer,
    DeadLetterStore deadLetters,
    EventLedgerQueries ledger,
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
        await Task.WhenAll(poisonQueues.Select(poison => WorkAsync(poison.Tag, poison.Queue, poison.Handle, started, run, cancellationToken))).ConfigureAwait(false);

        if (run.Replayed + run.Parked + run.Skipped + run.Overtaken > 0)
        {
            Log.RunFinished(logger, run.Replayed, run.Parked, run.Skipped, run.Overtaken, run.OutOfTime);
        }

        return new ReplayRun(run.Replayed, run.Parked, run.OutOfTime, run.Skipped, run.Overtaken);
    }

    /// <summary>A poison queue's worker starts no new batch after this many failed (a store that is down, not slow).</summary>
    private const int MaxFailedBatches = 3;

    /// <summary>
    /// Works one poison queue: keeps up to <see cref="ReplayPace.Batches"/> batches in flight until a receive finds it
    /// empty or the run is out of time, sizing them by how long the last ones took. A failed batch shrinks the pace like
    /// a slow one and the work goes on, up to <see cref="MaxFailedBatches"/> failures; the run fails at the end if any
    /// batch did (its messages reappear after their lease, and a send that landed is a duplicate the ledger absorbs).
    /// </summary>
    private async Task WorkAsync(string tagValue, QueueClient poison, Func<QueueMessage, CancellationToken, Task<bool>> handle, long started, RunCounts run, CancellationToken cancellationToken)
    {
        var queue = new PoisonWork(poison, handle, new KeyValuePair<string, object?>("source", tagValue), run);
        var pace = new ReplayPace(options.Value.BatchSize, options.Value.ConcurrentBatches, options.Value.SlowBatch);
        var inFlight = new List<(Task<BatchDone> Batch, int Generation)>();
        var failed = new List<Task>();
        var more = true;
        while (true)
        {
            if (more && time.GetElapsedTime(started) >= options.Value.RunBudget)
            {
                run.OutOfTime = true;
                more = false;
            }

            if (more && inFlight.Count < pace.Batches)
            {
                inFlight.Add((BatchAsync(queue, pace.BatchSize, pace.Generation, cancellationToken), pace.Generation));
                continue;
            }

            if (inFlight.Count == 0)
            {
                break;
            }

            var done = await Task.WhenAny(inFlight.Select(batch => batch.Batch)).ConfigureAwait(false);
            var index = inFlight.FindIndex(batch => batch.Batch == done);
            var generation = inFlight[index].Generation;
            inFlight.RemoveAt(index);
            if (!done.IsCompletedSuccessfully)
            {
                failed.Add(done);
                more &= !cancellationToken.IsCancellationRequested && failed.Count < MaxFailedBatches;
                pace.RecordFailure(generation);
                Log.BatchFailed(logger, done.Exception?.InnerException, poison.Name, failed.Count, MaxFailedBatches, pace.Batches, pace.BatchSize);

                continue;
            }

            var batch = done.Result;
            more &= batch.Received > 0;
            if (pace.Record(batch.Generation, batch.Took))
            {
                Log.PaceChanged(logger, poison.Name, pace.Batches, pace.BatchSize, batch.Took);
            }
        }

        await Task.WhenAll(failed).ConfigureAwait(false);
    }

    /// <summary>Receives up to <paramref name="size"/> messages and handles them at once; returns how many and how long it took.</summary>
    private async Task<BatchDone> BatchAsync(PoisonWork queue, int size, int generation, CancellationToken cancellationToken)
    {
        // Read before the receive, so the lease it starts ends no earlier than this clock says.
        var leasedAt = time.GetTimestamp();
        QueueMessage[] batch = await queue.Poison.ReceiveMessagesAsync(size, options.Value.Lease, cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(batch.Select(message => HandleLeasedAsync(queue, message, leasedAt, cancellationToken))).ConfigureAwait(false);
        return new BatchDone(batch.Length, time.GetElapsedTime(leasedAt), generation);
    }

    /// <summary>
    /// Sends one leased message on (or parks it) and deletes it, unless too little of its lease is left: then it is left
    /// to reappear, because a lease that runs out before the delete lets another receive take it and send it again.
    /// </summary>
    private async Task HandleLeasedAsync(PoisonWork queue, QueueMessage message, long leasedAt, CancellationToken cancellationToken)
    {
        var (poison, handle, tag, run) = queue;
        if (options.Value.Lease - time.GetElapsedTime(leasedAt) < options.Value.LeaseMargin)
        {
            Interlocked.Increment(ref run.Skipped);
            return;
        }

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

        try
        {
            await poison.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404 || ex.ErrorCode == QueueErrorCode.PopReceiptMismatch)
        {
            // The lease ran out and another receive has the message (or has already deleted it): it is that receive's now.
            Interlocked.Increment(ref run.Overtaken);
            Log.LeaseOvertaken(logger, poison.Name, message.MessageId);
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
            await deadLetters.ParkAsync(new DeadLetterParking(source, "msg_" + message.MessageId, "(not an event envelope)", message.Body, ex.Message, (int)message.DequeueCount, 0, null), cancellationToken).ConfigureAwait(false);
            Log.Parked(logger, source, "msg_" + message.MessageId, ex.Message);
            return false;
        }

        if (envelope.ReplayCount >= options.Value.MaxReplays)
        {
            var entry = await ledger.FindAsync(source, envelope.EventId, cancellationToken).ConfigureAwait(false);
            var reason = entry?.LastError ?? $"still failing after {envelope.ReplayCount} replays";
            await deadLetters.ParkAsync(new DeadLetterParking(source, envelope.EventId, envelope.EventType, message.Body, reason,
                entry?.Attempts ?? 0, envelope.ReplayCount, entry?.LastFailedAt ?? envelope.ReceivedAt), cancellationToken).ConfigureAwait(false);
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
            await deadLetters.ParkAsync(new DeadLetterParking(work.Source, id, work.WorkType, message.Body, $"not a {work.Queue} message", (int)message.DequeueCount, replayCount, null), cancellationToken).ConfigureAwait(false);
            Log.WorkParked(logger, work.Queue, id, "unreadable");
            return false;
        }

        if (replayCount >= options.Value.MaxReplays)
        {
            var id = work.DeadLetterId(key);
            var reason = $"{work.Queue}: still failing after {replayCount} replays ({message.DequeueCount} attempts in the last); see its consumer's record for the last error";
            await deadLetters.ParkAsync(new DeadLetterParking(work.Source, id, work.WorkType, message.Body, reason, (int)message.DequeueCount, replayCount, null), cancellationToken).ConfigureAwait(false);
            Log.WorkParked(logger, work.Queue, id, reason);
            return false;
        }

        var delay = options.Value.DelayFor(replayCount);
        await clients.Queue(work.Queue).SendMessageAsync(WorkQueues.WithReplayCount(body, replayCount + 1), delay, cancellationToken: cancellationToken).ConfigureAwait(false);
        Log.WorkReplayed(logger, work.Queue, key, replayCount + 1, delay);
        return true;
    }

    private readonly record struct BatchDone(int Received, TimeSpan Took, int Generation);

    /// <summary>One poison queue in this run: how its messages are handled, its telemetry tag, the run's counts.</summary>
    private sealed record PoisonWork(QueueClient Poison, Func<QueueMessage, CancellationToken, Task<bool>> Handle, KeyValuePair<string, object?> Tag, RunCounts Run);

    private sealed class RunCounts
    {
        public int Replayed;
        public int Parked;
        public int Skipped;
        public int Overtaken;
        public volatile bool OutOfTime;
    }

    private static partial class Log
    {
        [LoggerMessage(6001, LogLevel.Information, "Replayed {Source} event {EventId} from the poison queue (replay {ReplayCount}, visible in {Delay})")]
        public static partial void Replayed(ILogger logger, WebhookSource source, string eventId, int replayCount, TimeSpan delay);

        [LoggerMessage(6002, LogLevel.Error, "{Source} event {EventId} parked as permanently failed: {Reason}")]
        public static partial void Parked(ILogger logger, WebhookSource source, string eventId, string reason);

        [LoggerMessage(6003, LogLevel.Information, "Dead-letter run: {Replayed} replayed, {Parked} parked, {Skipped} left to reappear (lease too short to act), {Overtaken} taken by another receive before their delete; stopped at its time budget: {OutOfTime}")]
        public static partial void RunFinished(ILogger logger, int replayed, int parked, int skipped, int overtaken, bool outOfTime);

        [LoggerMessage(6004, LogLevel.Information, "Replayed {Queue} message {Key} from its poison queue (replay {ReplayCount}, visible in {Delay})")]
        public static partial void WorkReplayed(ILogger logger, string queue, string key, int replayCount, TimeSpan delay);

        [LoggerMessage(6005, LogLevel.Error, "{Queue} message {DeadLetterId} parked as permanently failed: {Reason}")]
        public static partial void WorkParked(ILogger logger, string queue, string deadLetterId, string reason);

        [LoggerMessage(6006, LogLevel.Warning, "Poison queue {Queue}: message {MessageId} was handled but its lease ran out before the delete; another receive has it and sends it again (a duplicate the ledger absorbs)")]
        public static partial void LeaseOvertaken(ILogger logger, string queue, string messageId);

        [LoggerMessage(6007, LogLevel.Information, "Poison queue {Queue}: now {Batches} batches of {BatchSize} in flight (a batch took {Took})")]
        public static partial void PaceChanged(ILogger logger, string queue, int batches, int batchSize, TimeSpan took);

        [LoggerMessage(6008, LogLevel.Warning, "Poison queue {Queue}: a batch failed ({Failed} of at most {MaxFailed} this run); now {Batches} batches of {BatchSize} in flight")]
        public static partial void BatchFailed(ILogger logger, Exception? exception, string queue, int failed, int maxFailed, int batches, int batchSize);
    }
}
