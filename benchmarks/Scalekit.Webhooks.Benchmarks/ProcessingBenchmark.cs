using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Scalekit.Webhooks.Hosting.Local;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Testing;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>
/// Events per second of the Scalekit consumer on directory-user updates, against a bare receive + table upsert +
/// delete loop at the same parallelism (one batch of 16 at a time, handled concurrently). Target: ≥ 0.8×.
/// </summary>
public static class ProcessingBenchmark
{
    private const int BatchSize = 16;

    public static async Task<bool> RunAsync(int count, TextWriter output)
    {
        await using var bench = await BenchmarkHost.StartAsync();
        var messages = Enumerable.Range(0, count).Select(i => Envelope(i)).ToArray();

        var baselineQueue = bench.Clients.Queue("bench-baseline");
        await baselineQueue.CreateIfNotExistsAsync();
        var table = bench.Clients.Tables.GetTableClient("BenchBaseline");
        await table.CreateIfNotExistsAsync();
        var queue = bench.Clients.Queue(StorageNames.ScalekitQueue);
        var listener = new QueueTriggerListener(queue, bench.Clients.Queue(StorageNames.PoisonQueueFor(WebhookSource.Scalekit)),
            bench.Host.Services.GetRequiredService<EventConsumer>().HandleAsync, new QueueTriggerOptions { BatchSize = BatchSize }, TimeProvider.System, NullLogger.Instance);

        Task<TimeSpan> Baseline(int from, int to) => DrainAsync(baselineQueue, messages[from..to], async message =>
        {
            using var document = JsonDocument.Parse(EnvelopeCodec.Decode(message.Body.ToMemory()).InlinePayload);
            var data = document.RootElement.GetProperty("data");
            await table.UpsertEntityAsync(new TableEntity(data.GetProperty("organization_id").GetString(), data.GetProperty("id").GetString())
            {
                ["Email"] = data.GetProperty("email").GetString(),
                ["Department"] = data.GetProperty("department").GetString(),
            });
            await baselineQueue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
        });

        async Task<TimeSpan> Consumer(int from, int to)
        {
            await FillAsync(queue, messages[from..to]);
            var clock = Stopwatch.StartNew();
            for (var handled = 0; handled < to - from;)
            {
                handled += await listener.PollOnceAsync();
            }

            return clock.Elapsed;
        }

        var baselineTime = TimeSpan.Zero;
        var consumerTime = TimeSpan.Zero;
        await AlternatingRounds.RunAsync(count,
        [
            async (from, to) => baselineTime += await Baseline(from, to),
            async (from, to) => consumerTime += await Consumer(from, to),
        ]);

        var baseline = count / baselineTime.TotalSeconds;
        var consumer = count / consumerTime.TotalSeconds;
        var ratio = consumer / baseline;
        await output.WriteLineAsync($"processing benchmark: {count} directory-user updates, batches of {BatchSize} handled concurrently");
        await output.WriteLineAsync("| baseline (receive + upsert + delete) ev/s | consumer ev/s | ratio | target ≥ 0.8 |");
        await output.WriteLineAsync("|---|---|---|---|");
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"| {baseline:F0} | {consumer:F0} | {ratio:F2} | {(ratio >= 0.8 ? "met" : "missed")} |"));
        return ratio >= 0.8;
    }

    private static Task FillAsync(QueueClient queue, byte[][] messages) =>
        Concurrently.ForEachIndexAsync(0, messages.Length, workers: 16, (_, index) => queue.SendMessageAsync(BinaryData.FromBytes(messages[index])));

    private static async Task<TimeSpan> DrainAsync(QueueClient queue, byte[][] messages, Func<QueueMessage, Task> handle)
    {
        await FillAsync(queue, messages);
        var clock = Stopwatch.StartNew();
        for (var handled = 0; handled < messages.Length;)
        {
            QueueMessage[] batch = await queue.ReceiveMessagesAsync(BatchSize, TimeSpan.FromMinutes(5));
            await Task.WhenAll(batch.Select(handle));
            handled += batch.Length;
        }

        return clock.Elapsed;
    }

    private static byte[] Envelope(int i)
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000).AddMilliseconds(i);
        var eventId = $"evt_bench_{i:D6}";
        var body = ScalekitSamples.Create("organization.directory.user_updated", new SampleOptions
        {
            OccurredAt = at,
            EventId = eventId,
            DirectoryUserId = $"diruser_bench_{i % 500:D4}",
            OrganizationId = $"org_bench_{i % 10:D2}",
        });
        return EnvelopeCodec.Encode(new EventEnvelope
        {
            Source = WebhookSource.Scalekit,
            DeliveryId = "msg_" + eventId,
            EventId = eventId,
            EventType = "organization.directory.user_updated",
            OccurredAt = at,
            ReceivedAt = at,
            InlinePayload = JsonSerializer.SerializeToUtf8Bytes(body),
        });
    }
}
