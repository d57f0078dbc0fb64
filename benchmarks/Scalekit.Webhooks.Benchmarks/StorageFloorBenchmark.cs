using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues.Models;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Scalekit;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>
/// What storage alone allows, with no product code in the loop: the same directory-user updates drained three ways at the
/// processing benchmark's parallelism (batches of 16). The bare loop upserts the user's row; the second loop replaces the
/// row and inserts a ledger-sized row in a table of its own (16 hash partitions), as the consumer does today; the third
/// writes both rows in one entity-group transaction, which needs the ledger row in the user row's table and partition.
/// It shows whether a target is within reach of a storage layout before any code is written for it.
/// </summary>
public static class StorageFloorBenchmark
{
    private const int Buckets = 16;

    public static async Task<bool> RunAsync(int count, TextWriter output)
    {
        await using var bench = await BenchmarkHost.StartAsync();
        var messages = Enumerable.Range(0, count).Select(i => ProcessingBenchmark.Envelope(ScalekitSource.Id, i, ProcessingBenchmark.UsersFor(count))).ToArray();
        var queue = bench.Clients.Queue("bench-floor");
        await queue.CreateIfNotExistsAsync();
        var users = await TableAsync(bench, "FloorUsers");
        var ledger = await TableAsync(bench, "FloorLedger");
        var together = await TableAsync(bench, "FloorTogether");
        var grouped = await TableAsync(bench, "FloorGrouped");
        Func<QueueMessage[], Task> EachMessage(Func<JsonElement, EventEnvelope, Task> write) => batch => Task.WhenAll(batch.Select(async message =>
        {
            var envelope = EnvelopeCodec.Decode(message.Body.ToMemory());
            using var document = JsonDocument.Parse(envelope.InlinePayload);
            await write(document.RootElement.GetProperty("data"), envelope);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
        }));
        var nextBucket = 0;
        var loops = new (string Name, OperationTally Ops, Func<QueueMessage[], Task> Handle)[]
        {
            ("bare loop: upsert the user's row", new OperationTally(), EachMessage((data, _) => users.UpsertEntityAsync(ProcessingBenchmark.UserRow(data)))),
            ("user row replaced, then a ledger row in its own table", new OperationTally(), EachMessage(async (data, envelope) =>
            {
                await users.UpsertEntityAsync(ProcessingBenchmark.UserRow(data), TableUpdateMode.Replace);
                await ledger.AddEntityAsync(LedgerRow(envelope, $"scalekit-{(uint)envelope.EventId.GetHashCode() % Buckets:D2}", envelope.EventId));
            })),
            ("user row and ledger row in one transaction (same partition)", new OperationTally(), EachMessage((data, envelope) =>
            {
                var row = ProcessingBenchmark.UserRow(data);
                return together.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.UpsertReplace, row),
                    new TableTransactionAction(TableTransactionActionType.Add, LedgerRow(envelope, row.PartitionKey, "event~" + envelope.EventId)),
                ]);
            })),
            ("user rows replaced, the batch's ledger rows in one transaction (one bucket)", new OperationTally(), async batch =>
            {
                var envelopes = batch.Select(message => EnvelopeCodec.Decode(message.Body.ToMemory())).ToArray();
                await Task.WhenAll(envelopes.Select(async envelope =>
                {
                    using var document = JsonDocument.Parse(envelope.InlinePayload);
                    await users.UpsertEntityAsync(ProcessingBenchmark.UserRow(document.RootElement.GetProperty("data")), TableUpdateMode.Replace);
                }));
                var bucket = $"scalekit-{nextBucket++ % Buckets:D2}";
                await grouped.SubmitTransactionAsync(envelopes.Select(envelope => new TableTransactionAction(TableTransactionActionType.Add, LedgerRow(envelope, bucket, envelope.EventId))));
                await Task.WhenAll(batch.Select(message => queue.DeleteMessageAsync(message.MessageId, message.PopReceipt)));
            }),
        };
        Task<TimeSpan> DrainAsync(byte[][] batch, OperationTally tally, Func<QueueMessage[], Task> handle) =>
            ProcessingBenchmark.DrainBatchesAsync(bench, queue, batch, tally, handle);

        // Untimed first, on other users, so no loop is timed while the JIT compiles the storage clients' code.
        var warmUp = Enumerable.Range(0, Math.Max(16, count / 8)).Select(i => ProcessingBenchmark.Envelope(ScalekitSource.Id, 1_000_000 + i, ProcessingBenchmark.UsersFor(count), userPrefix: "diruser_warm_")).ToArray();
        foreach (var loop in loops)
        {
            await DrainAsync(warmUp, new OperationTally(), loop.Handle);
        }

        var times = new TimeSpan[loops.Length];
        await AlternatingRounds.RunAsync(count, [.. loops.Select<(string Name, OperationTally Ops, Func<QueueMessage[], Task> Handle), Func<int, int, Task>>((loop, index) => async (from, to) =>
            times[index] += await DrainAsync(messages[from..to], loop.Ops, loop.Handle))]);

        var bare = count / times[0].TotalSeconds;
        await output.WriteLineAsync($"storage floor: {count} directory-user updates per loop, batches of 16 handled concurrently, no product code");
        await output.WriteLineAsync("| loop | ev/s | vs bare loop | ops/event |");
        await output.WriteLineAsync("|---|---:|---:|---|");
        for (var i = 0; i < loops.Length; i++)
        {
            var rate = count / times[i].TotalSeconds;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"| {loops[i].Name} | {rate:F0} | {rate / bare:F2} | {loops[i].Ops.Row(loops[i].Name).Split('|')[3].Trim()} |"));
        }

        return true;
    }

    private static async Task<TableClient> TableAsync(BenchmarkHost bench, string name)
    {
        var table = bench.Clients.Tables.GetTableClient(name);
        await table.CreateIfNotExistsAsync();
        return table;
    }

    /// <summary>A row the size and shape of a ledger entry with its outcome: ids, times, status and the payload inline.</summary>
    private static TableEntity LedgerRow(EventEnvelope envelope, string partitionKey, string rowKey) => new(partitionKey, rowKey)
    {
        ["Source"] = envelope.Source.Name,
        ["EventId"] = envelope.EventId,
        ["EventType"] = envelope.EventType,
        ["Status"] = "processed",
        ["Attempts"] = 1,
        ["FirstDeliveryId"] = envelope.DeliveryId,
        ["LastDeliveryId"] = envelope.DeliveryId,
        ["OccurredAt"] = envelope.OccurredAt,
        ["ReceivedAt"] = envelope.ReceivedAt,
        ["LastAttemptAt"] = envelope.ReceivedAt,
        ["CompletedAt"] = envelope.ReceivedAt,
        ["ReplayCount"] = 0,
        ["Detail"] = "applied",
        ["Payload"] = System.Text.Encoding.UTF8.GetString(envelope.InlinePayload.Span),
        ["PayloadLength"] = envelope.InlinePayload.Length,
    };
}
