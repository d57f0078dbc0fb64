using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Testing;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>
/// A mass poisoning brought back whole: fills the Scalekit poison queue with <c>count</c> messages, then runs the
/// replayer back to back, as its timer would if every run used its whole budget, until the poison queue is empty.
/// Meanwhile bare consumer loops empty the event queue as production consumers would (receive 32, note each event id,
/// delete), so the store never holds both copies. Prints the fill and drain times apart, the drain rate, and checks
/// that every one of the <c>count</c> events arrived, with the duplicates (arrivals − distinct).
/// </summary>
public static class ReplayDrainCommand
{
    private const int ConsumerLoops = 2;

    /// <summary>
    /// With <paramref name="drainLimit"/>, no replayer run starts after that long (nor has a longer budget), and the rate
    /// so far is reported: for depths this machine's Azurite cannot drain in reasonable time. Null: drain it all.
    /// </summary>
    public static async Task<bool> RunAsync(int count, TextWriter output, TimeSpan? drainLimit = null)
    {
        await using var bench = await BenchmarkHost.StartAsync();
        var poison = bench.Clients.Queue(StorageNames.PoisonQueueFor(ScalekitSource.Id));
        var target = bench.Clients.Queue(StorageNames.QueueFor(ScalekitSource.Id));
        // Replayed events visible at once (DEADLETTER_REPLAY_BASE_DELAY_SECONDS=0), so the consumers take them as they come:
        // the delay shifts when they are seen, not what the replayer does.
        var options = new DeadLetterOptions { BaseDelay = TimeSpan.Zero };
        if (drainLimit is { } limit && limit < options.RunBudget)
        {
            options.RunBudget = limit;
        }

        // The replayer's own log (its pace changes and run summaries) shows how it met the store.
        var replayer = ReplayBenchmark.Replayer(bench, options, new ReplayerLog(output));

        var filling = Stopwatch.StartNew();
        await Concurrently.ForEachIndexAsync(0, count, workers: 16,
            (_, i) => ReplayBenchmark.Patiently(() => poison.SendMessageAsync(BinaryData.FromBytes(ReplayBenchmark.Envelope(i)))));
        var filled = filling.Elapsed;
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"replay drain: {count} poison messages (Scalekit) stored in {filled.TotalSeconds:F0} s; draining with up to {options.ConcurrentBatches} batches of {options.BatchSize}, lease {options.Lease.TotalSeconds:F0} s, {ConsumerLoops} consumer loops on the event queue"));
        var perOperation = await ProbeAsync(bench);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Azurite with {count} messages stored: {perOperation.TotalMilliseconds:F0} ms per queue operation, one at a time (send, receive, delete on a scratch queue)"));

        var arrivals = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        using var stopConsumers = new CancellationTokenSource();
        var consumers = Task.WhenAll(Enumerable.Range(0, ConsumerLoops).Select(_ => ConsumeAsync(target, arrivals, stopConsumers.Token)));

        bench.Operations.Take();
        var draining = Stopwatch.StartNew();
        var progress = ReportProgressAsync(poison, arrivals, draining, output, stopConsumers.Token);
        var runs = new ReplayerRuns();
        await runs.DrainAsync(replayer, poison, drainLimit);
        var drained = draining.Elapsed;
        var sends = bench.Operations.Take().GetValueOrDefault("queue send");
        var left = (await ReplayBenchmark.Patiently(() => poison.GetPropertiesAsync())).Value.ApproximateMessagesCount;

        // Wait for the consumers to take the last ones (a message whose send was retried may come late).
        var waitUntil = options.DelayFor(1) + TimeSpan.FromMinutes(2);
        var waited = Stopwatch.StartNew();
        while (arrivals.Count < count - left && waited.Elapsed < waitUntil)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        await stopConsumers.CancelAsync();
        await consumers;
        await progress;
        var distinct = arrivals.Count;
        var duplicates = arrivals.Values.Sum() - distinct;
        // Every event is either back (arrived) or still on the poison queue; anything else is lost.
        var missing = count - left - distinct;
        // Counted from the queue, not from the runs: a run that failed on a timeout moved messages it could not report.
        var moved = count - left;

        await output.WriteLineAsync("| messages | fill time | drain time | moved | drain msg/s | left on the poison queue | replayer runs (used their whole budget, failed on storage) | replayed (runs that finished) | parked | left for a short lease | overtaken at delete | distinct arrived | duplicates | missing |");
        await output.WriteLineAsync("|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"| {count} | {filled:m\\:ss} | {drained:m\\:ss} | {moved} | {moved / drained.TotalSeconds:F1} | {left} | {runs.Runs} ({runs.OutOfTime}, {runs.Failed}) | {runs.Replayed} | {runs.Parked} | {runs.Skipped} | {runs.Overtaken} | {distinct} | {duplicates} | {missing} |"));
        // Only the replayer sends during the drain: a send beyond one per message moved was tried again after a timeout,
        // or sent again after a run failed between its send and its delete.
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"queue sends during the drain, retries included: {sends} for {moved} moved ({sends - moved} more: tried again after a timeout, or sent again after a failed run)"));
        if (runs.LastFailure is { } failure)
        {
            await output.WriteLineAsync($"last failed run: {failure}");
        }

        // Three queue operations per message and a receive per 32 on each side: the replayer's send and delete, the
        // consumer's delete. Not a ceiling: Azurite overlaps requests that arrive together.
        var oneAtATime = 1 / (perOperation.TotalSeconds * (3 + 2.0 / 32));
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"at {perOperation.TotalMilliseconds:F0} ms per operation, one at a time would move {oneAtATime:F1} msg/s (3 + 2/32 operations per message); the drain, its requests overlapping, moved {moved / drained.TotalSeconds / oneAtATime:F2}x that"));

        var whole = missing <= 0 && runs.Parked == 0 && (drainLimit is not null || left == 0);
        await output.WriteLineAsync(whole ? "PASS: every poison message is back on the event queue or still on the poison queue" : $"FAIL: {missing} events missing, {runs.Parked} parked, {left} left");
        return whole;
    }

    /// <summary>How long one queue operation takes on this Azurite now, one at a time: 10 rounds of send, receive, delete.</summary>
    private static async Task<TimeSpan> ProbeAsync(BenchmarkHost bench)
    {
        var probe = bench.Clients.Queue("drain-probe");
        await ReplayBenchmark.Patiently(() => probe.CreateIfNotExistsAsync());
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 10; i++)
        {
            await ReplayBenchmark.Patiently(() => probe.SendMessageAsync("probe"));
            QueueMessage[] received = await ReplayBenchmark.Patiently(() => probe.ReceiveMessagesAsync(1));
            foreach (var message in received)
            {
                await ReplayBenchmark.Patiently(() => probe.DeleteMessageAsync(message.MessageId, message.PopReceipt));
            }
        }

        return clock.Elapsed / 30;
    }

    /// <summary>Every minute: the poison queue's depth (visible and leased) and what has arrived, so the rate at each depth shows.</summary>
    private static async Task ReportProgressAsync(QueueClient poison, ConcurrentDictionary<string, int> arrivals, Stopwatch draining, TextWriter output, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromMinutes(1), stop);
                int depth;
                try
                {
                    depth = (await poison.GetPropertiesAsync(stop)).Value.ApproximateMessagesCount;
                }
                catch (Exception ex) when (ReplayBenchmark.IsStorageTimeout(ex) && !(ex is TaskCanceledException && stop.IsCancellationRequested))
                {
                    continue; // an overloaded Azurite timed out; the next minute reports
                }

                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"  {draining.Elapsed:m\\:ss} poison queue {depth}, arrived {arrivals.Count} distinct, {arrivals.Values.Sum() - arrivals.Count} duplicates"));
            }
        }
        catch (OperationCanceledException)
        {
            // The drain is over.
        }
    }

    /// <summary>A production consumer's least work: receive 32, note each event id, delete each.</summary>
    private static async Task ConsumeAsync(QueueClient queue, ConcurrentDictionary<string, int> arrivals, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            QueueMessage[] batch;
            try
            {
                batch = await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5), stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ReplayBenchmark.IsStorageTimeout(ex))
            {
                continue; // an overloaded Azurite timed out: the messages come back after their lease
            }

            if (batch.Length == 0)
            {
                // Wait a little: each receive costs this Azurite a scan of every message it holds.
                await Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None);
                continue;
            }

            await Task.WhenAll(batch.Select(async message =>
            {
                arrivals.AddOrUpdate(EnvelopeCodec.Decode(message.Body.ToMemory()).EventId, 1, (_, seen) => seen + 1);
                try
                {
                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
                }
                catch (Exception ex) when (ReplayBenchmark.IsStorageTimeout(ex))
                {
                    // Not deleted: it comes back after the consumer's lease and counts as a duplicate arrival.
                }
            }));
        }
    }
}
