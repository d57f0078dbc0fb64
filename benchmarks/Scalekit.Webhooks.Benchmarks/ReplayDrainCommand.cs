using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;
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

    public static async Task<bool> RunAsync(int count, TextWriter output)
    {
        await using var bench = await BenchmarkHost.StartAsync();
        var poison = bench.Clients.Queue(StorageNames.PoisonQueueFor(ScalekitSource.Id));
        var target = bench.Clients.Queue(StorageNames.QueueFor(ScalekitSource.Id));
        var options = new DeadLetterOptions();
        // The replayer's own log (its pace changes and run summaries) shows how it met the store.
        using var logs = LoggerFactory.Create(logging => logging
            .AddSimpleConsole(console => (console.SingleLine, console.TimestampFormat) = (true, "HH:mm:ss "))
            .SetMinimumLevel(LogLevel.Information));
        var replayer = ReplayBenchmark.Replayer(bench, options, logs.CreateLogger<DeadLetterReplayer>());

        var filling = Stopwatch.StartNew();
        await Concurrently.ForEachIndexAsync(0, count, workers: 16,
            (_, i) => ReplayBenchmark.Patiently(() => poison.SendMessageAsync(BinaryData.FromBytes(ReplayBenchmark.Envelope(i)))));
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"replay drain: {count} poison messages (Scalekit) stored in {filling.Elapsed.TotalSeconds:F0} s; draining with up to {options.ConcurrentBatches} batches of {options.BatchSize}, lease {options.Lease.TotalSeconds:F0} s, {ConsumerLoops} consumer loops on the event queue"));

        var arrivals = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        using var stopConsumers = new CancellationTokenSource();
        var consumers = Task.WhenAll(Enumerable.Range(0, ConsumerLoops).Select(_ => ConsumeAsync(target, arrivals, stopConsumers.Token)));

        var draining = Stopwatch.StartNew();
        var progress = ReportProgressAsync(poison, arrivals, draining, output, stopConsumers.Token);
        var runs = new ReplayerRuns();
        await runs.DrainAsync(replayer, poison);
        var drained = draining.Elapsed;

        // Replayed messages become visible after the replay delay; wait for them (and a little longer for stragglers).
        var waitUntil = options.DelayFor(1) + options.Lease + TimeSpan.FromMinutes(2);
        var waited = Stopwatch.StartNew();
        while (arrivals.Count < count && waited.Elapsed < waitUntil)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        await stopConsumers.CancelAsync();
        await consumers;
        await progress;
        var distinct = arrivals.Count;
        var duplicates = arrivals.Values.Sum() - distinct;
        var missing = Enumerable.Range(0, count).Count(i => !arrivals.ContainsKey(ReplayBenchmark.EventId(i)));

        await output.WriteLineAsync("| messages | fill time | drain time | drain msg/s | replayer runs (used their whole budget, failed on storage) | replayed | parked | left for a short lease | overtaken at delete | distinct arrived | duplicates | missing |");
        await output.WriteLineAsync("|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"| {count} | {filling.Elapsed:m\\:ss} | {drained:m\\:ss} | {count / drained.TotalSeconds:F0} | {runs.Runs} ({runs.OutOfTime}, {runs.Failed}) | {runs.Replayed} | {runs.Parked} | {runs.Skipped} | {runs.Overtaken} | {distinct} | {duplicates} | {missing} |"));

        var whole = missing == 0 && runs.Parked == 0;
        await output.WriteLineAsync(whole ? "PASS: every poison message is back on the event queue" : $"FAIL: {missing} events missing, {runs.Parked} parked");
        return whole;
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
                catch (Azure.RequestFailedException)
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
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Azure.RequestFailedException)
            {
                continue; // an overloaded Azurite timed out: the messages come back after their lease
            }

            if (batch.Length == 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), CancellationToken.None);
                continue;
            }

            await Task.WhenAll(batch.Select(async message =>
            {
                arrivals.AddOrUpdate(EnvelopeCodec.Decode(message.Body.ToMemory()).EventId, 1, (_, seen) => seen + 1);
                try
                {
                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
                }
                catch (Azure.RequestFailedException)
                {
                    // Not deleted: it comes back after the consumer's lease and counts as a duplicate arrival.
                }
            }));
        }
    }
}
