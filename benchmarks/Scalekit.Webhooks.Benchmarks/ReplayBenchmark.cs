using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Testing;
using Scalekit.Webhooks.Scalekit;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>
/// How fast the dead-letter replayer empties a poison queue, against a bare move loop (receive 32, send each to the
/// event queue, delete each) with the same batches in flight, and against the replayer taking one batch at a time (its
/// shape before it ran batches concurrently). Target: the replayer ≥ 0.8× the bare loop.
/// </summary>
public static class ReplayBenchmark
{
    public static async Task<bool> RunAsync(int count, TextWriter output)
    {
        await using var bench = await BenchmarkHost.StartAsync();
        var poison = bench.Clients.Queue(StorageNames.PoisonQueueFor(ScalekitSource.Id));
        var target = bench.Clients.Queue(StorageNames.QueueFor(ScalekitSource.Id));
        var defaults = new DeadLetterOptions();
        var replayer = Replayer(bench, defaults);
        var oneBatch = Replayer(bench, new DeadLetterOptions { ConcurrentBatches = 1 });
        var messages = Enumerable.Range(0, count).Select(Envelope).ToArray();

        async Task<TimeSpan> Timed(int from, int to, Func<Task> drain)
        {
            await Concurrently.ForEachIndexAsync(from, to, workers: 16, (_, i) => Patiently(() => poison.SendMessageAsync(BinaryData.FromBytes(messages[i]))));
            var clock = Stopwatch.StartNew();
            await drain();
            var elapsed = clock.Elapsed;
            await target.ClearMessagesAsync();
            return elapsed;
        }

        var runs = new ReplayerRuns();
        Task DrainWith(DeadLetterReplayer which) => runs.DrainAsync(which, poison);

        var replayerTime = TimeSpan.Zero;
        var bareTime = TimeSpan.Zero;
        await AlternatingRounds.RunAsync(count,
        [
            async (from, to) => replayerTime += await Timed(from, to, () => DrainWith(replayer)),
            async (from, to) => bareTime += await Timed(from, to, () => BareMoveAsync(poison, target, defaults)),
        ]);
        var sequentialCount = Math.Max(defaults.BatchSize * 10, count / 10);
        var sequentialTime = await Timed(0, Math.Min(sequentialCount, count), () => DrainWith(oneBatch));

        var bare = count / bareTime.TotalSeconds;
        var rate = count / replayerTime.TotalSeconds;
        var sequential = Math.Min(sequentialCount, count) / sequentialTime.TotalSeconds;
        var ratio = rate / bare;
        await output.WriteLineAsync($"replay benchmark: {count} poison messages (Scalekit), {defaults.ConcurrentBatches} batches of {defaults.BatchSize} in flight; one batch at a time on {Math.Min(sequentialCount, count)}");
        await output.WriteLineAsync("| bare move loop msg/s | replayer msg/s | ratio | target ≥ 0.8 | one batch at a time msg/s | 60,000 messages at the replayer's rate |");
        await output.WriteLineAsync("|---|---|---|---|---|---|");
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"| {bare:F0} | {rate:F0} | {ratio:F2} | {(ratio >= 0.8 ? "met" : "missed")} | {sequential:F0} | {TimeSpan.FromSeconds(60_000 / rate):m\\:ss} min |"));
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"replayer: {runs.Replayed} replayed and {runs.Parked} parked of {count + Math.Min(sequentialCount, count)} poison messages, in {runs.Runs} runs"));
        if (runs.Failed > 0)
        {
            await output.WriteLineAsync($"{runs.Failed} replayer runs failed on a storage error and the next run continued (their leased messages came back after the lease)");
        }

        return ratio >= 0.8;
    }

    /// <summary>
    /// How an overloaded Azurite fails a call: a storage error, the SDK's retries giving up (an aggregate of them), or
    /// the request timing out.
    /// </summary>
    internal static bool IsStorageTimeout(Exception exception) => exception is Azure.RequestFailedException or AggregateException or TaskCanceledException;

    /// <summary>Tries a storage call again after a timeout: an overloaded Azurite answers late, and filling is not what is measured.</summary>
    internal static async Task<T> Patiently<T>(Func<Task<T>> operation)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation();
            }
            catch (Exception ex) when (IsStorageTimeout(ex) && attempt < 5)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt));
            }
        }
    }

    internal static DeadLetterReplayer Replayer(BenchmarkHost bench, DeadLetterOptions options, ILogger<DeadLetterReplayer>? logger = null) => new(
        bench.Clients,
        bench.Host.Services.GetRequiredService<EventQueueWriter>(),
        bench.Host.Services.GetRequiredService<DeadLetterStore>(),
        bench.Host.Services.GetRequiredService<EventLedgerQueries>(),
        Options.Create(options),
        TimeProvider.System,
        logger ?? NullLogger<DeadLetterReplayer>.Instance);

    /// <summary>The least a replayer must do per message: receive it, send its body on, delete it.</summary>
    private static Task BareMoveAsync(QueueClient poison, QueueClient target, DeadLetterOptions options) =>
        Task.WhenAll(Enumerable.Range(0, options.ConcurrentBatches).Select(async _ =>
        {
            while (true)
            {
                QueueMessage[] batch = await poison.ReceiveMessagesAsync(options.BatchSize, options.Lease);
                if (batch.Length == 0)
                {
                    return;
                }

                await Task.WhenAll(batch.Select(async message =>
                {
                    await target.SendMessageAsync(message.Body, options.BaseDelay, TimeSpan.FromSeconds(-1));
                    await poison.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                }));
            }
        }));

    internal static string EventId(int i) => $"evt_replay_{i:D6}";

    internal static byte[] Envelope(int i)
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000).AddMilliseconds(i);
        var eventId = EventId(i);
        var body = ScalekitSamples.Create("organization.directory.user_updated", new SampleOptions
        {
            OccurredAt = at,
            EventId = eventId,
            DirectoryUserId = $"diruser_replay_{i:D6}",
            OrganizationId = $"org_replay_{i % 100:D3}",
        });
        return EnvelopeCodec.Encode(new EventEnvelope
        {
            Source = ScalekitSource.Id,
            DeliveryId = "msg_" + eventId,
            EventId = eventId,
            EventType = "organization.directory.user_updated",
            OccurredAt = at,
            ReceivedAt = at,
            ReplayCount = 1,
            InlinePayload = JsonSerializer.SerializeToUtf8Bytes(body),
        });
    }
}
