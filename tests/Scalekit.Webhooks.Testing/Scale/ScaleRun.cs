using Azure.Storage.Queues.Models;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Hosting.Local;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Scalekit;

namespace Scalekit.Webhooks.Testing.Scale;

/// <summary>
/// One step of a scale run: how many consumer loops worked the shards, how fast they emptied them, and how busy the
/// processors were meanwhile. <c>FailedAttempts</c> counts handler attempts that threw (the message came back after
/// its visibility timeout and was handled again).
/// </summary>
public sealed record ScaleStep(int Loops, int BatchSize, int Events, int Final, TimeSpan Elapsed, StepCpu Cpu, int FailedAttempts)
{
    /// <summary>Each loop handles one batch at a time, so at most this many messages are being handled at once.</summary>
    public int InFlight => Loops * BatchSize;

    public double EventsPerSecond => Events / Elapsed.TotalSeconds;
}

/// <summary>How the rows of one table (or the messages of one source's shards) are spread over its partitions.</summary>
public sealed record PartitionSpread(string Name, int Partitions, int Rows, int Largest)
{
    /// <summary>The largest partition's rows against an even share; 1 is perfectly even.</summary>
    public double Skew => Partitions == 0 ? 0 : Largest / ((double)Rows / Partitions);

    /// <summary>A partition holds more than twice its even share, or everything sits in one partition.</summary>
    public bool Hot => Rows > 0 && (Partitions == 1 || Skew > 2);

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"| {Name} | {Partitions} | {Rows} | {Largest} | {Skew:F2} | {(Hot ? "**hot**" : "even")} |");
}

public sealed record ScaleReport(int Shards, IReadOnlyList<ScaleStep> Steps, IReadOnlyList<PartitionSpread> Spreads, bool TablesOnOwnAccount = false)
{
    public bool AllProcessed => Steps.All(step => step.Final == step.Events);

    /// <summary>The first step in which an Azurite used (nearly) a whole core (see <see cref="StoreUse.Saturated"/>); null if none did.</summary>
    public int? SaturatedAt
    {
        get
        {
            var at = Steps.ToList().FindIndex(step => step.Cpu.StoreSaturated);
            return at < 0 ? null : at;
        }
    }

    /// <summary>The best throughput up to and including the saturating step (every step if none saturated), against one loop's.</summary>
    public double RiseToSaturation => Steps.Take((SaturatedAt ?? Steps.Count - 1) + 1).Max(step => step.EventsPerSecond) / Steps[0].EventsPerSecond;

    public string Describe()
    {
        var storeColumns = TablesOnOwnAccount
            ? "queues Azurite CPU | queues Azurite thread busy | tables Azurite CPU | tables Azurite thread busy"
            : "Azurite CPU | Azurite thread busy";
        var lines = new List<string>
        {
            $"scale run: {Shards} shards of scalekit-events, organization.directory.user_updated events over {Organizations} organizations; "
                + (TablesOnOwnAccount ? "tables (STATE_STORAGE) on a second Azurite" : "queues and tables on one Azurite")
                + $"; batches of {Steps[0].BatchSize}, one at a time per loop",
            "CPU in % of one core; thread busy: Azurite's main (JavaScript) thread running or waiting for a core, in % of the step; "
                + $"machine busy in % of its {Environment.ProcessorCount} cores",
            $"| consumer loops | in flight | events | processed | failed attempts | seconds | events/s | vs 1 loop | {storeColumns} | bench CPU | machine busy |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + (TablesOnOwnAccount ? "---:|---:|" : string.Empty) + "---:|---:|",
        };
        var first = Steps[0].EventsPerSecond;
        lines.AddRange(Steps.Select(step => FormattableString.Invariant(
            $"| {step.Loops} | {step.InFlight} | {step.Events} | {step.Final} | {step.FailedAttempts} | {step.Elapsed.TotalSeconds:F1} | {step.EventsPerSecond:F0} | {step.EventsPerSecond / first:F2}× | ")
            + step.Cpu.Store.Describe() + (step.Cpu.TableStore is { } tables ? " | " + tables.Describe() : string.Empty)
            + FormattableString.Invariant($" | {step.Cpu.BenchPercent:F0} % | ")
            + (step.Cpu.MachineBusyPercent is { } busy ? FormattableString.Invariant($"{busy:F0} %") : "n/a") + " |"));
        lines.Add(string.Empty);
        lines.Add(Verdict());
        lines.Add(string.Empty);
        lines.Add("| spread of | partitions | rows | largest | largest ÷ even share | |");
        lines.Add("|---|---:|---:|---:|---:|---|");
        lines.AddRange(Spreads.Select(spread => spread.Describe()));
        return string.Join(Environment.NewLine, lines);
    }

    public const int Organizations = 200;

    private string Verdict()
    {
        if (SaturatedAt is { } at)
        {
            var saturated = Steps[at];
            var after = Steps.Skip(at + 1).Select(step => FormattableString.Invariant($"{step.Loops} loops {step.EventsPerSecond / saturated.EventsPerSecond:F2}×"));
            return FormattableString.Invariant(
                $"Azurite saturated at {saturated.Loops} loops ({saturated.InFlight} in flight, CPU {saturated.Cpu.BusiestStore.CpuPercent:F0} % of one core): ")
                + FormattableString.Invariant($"the best throughput up to there was {RiseToSaturation:F2}× one loop's; ")
                + (at + 1 < Steps.Count ? "after it, against the saturating step: " + string.Join(", ", after) + "." : "it was the last step.");
        }

        var busiest = Steps.MaxBy(step => step.Cpu.BusiestStore.CpuPercent)!;
        var never = FormattableString.Invariant(
            $"Azurite never reached {StoreUse.SaturatedPercent:F0} % of one core (at most {busiest.Cpu.BusiestStore.CpuPercent:F0} %, with {busiest.Loops} loops); best throughput {RiseToSaturation:F2}× one loop's. ");
        return Steps.FirstOrDefault(step => step.Cpu.StoreStarved) is { } starved
            ? never + FormattableString.Invariant(
                $"At {starved.Loops} loops its thread was running or waiting for a core {starved.Cpu.BusiestStore.ThreadBusyPercent:F0} % of the step on {starved.Cpu.BusiestStore.CpuPercent:F0} % of a core: the machine (busy {starved.Cpu.MachineBusyPercent:F0} %) starved it, so more loops could not help.")
            : never + "The limit was elsewhere (see bench CPU and machine busy).";
    }
}

/// <summary>
/// Processing throughput with one source spread over shards, worked by 1, 2, 4… consumer loops (each loop polls its
/// share of the shard queues with the Functions batch size, as one Functions instance would), and how evenly the
/// events spread over the shards and the table partitions. Everything runs in this process against its own Azurite.
/// </summary>
public static class ScaleRun
{
    /// <summary>
    /// Messages each loop receives and handles at a time. One on purpose: a single loop with the Functions default of 16
    /// already saturates Azurite, which hides the rise before saturation; with one, what is in flight is the loop count.
    /// </summary>
    public const int DefaultBatchSize = 1;

    private const int WarmUpEvents = 64;

    /// <param name="eventsPerStep">Events written and then consumed at each loop count.</param>
    /// <param name="loops">The consumer-loop counts, one step each.</param>
    /// <param name="batchSize">Messages a loop receives per poll and handles concurrently.</param>
    /// <param name="shards">Shards of the Scalekit queue.</param>
    /// <param name="tablesOnOwnAccount">True: the tables (and with them the ledger) live on a second Azurite, through <c>STATE_STORAGE</c>.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    public static async Task<ScaleReport> RunAsync(int eventsPerStep, IReadOnlyList<int> loops, int batchSize = DefaultBatchSize, int shards = 4, bool tablesOnOwnAccount = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(loops);
        await using var storage = await Azurite.StartNewAsync();
        await using var tableStorage = tablesOnOwnAccount ? await Azurite.StartNewAsync() : null;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storage.ConnectionString,
            [StorageAccountOptions.StateSetting] = tableStorage?.ConnectionString,
            [EventQueueOptions.ShardsSetting] = shards.ToString(CultureInfo.InvariantCulture),
        }).Build();
        await using var services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .AddScalekitWebhooks(configuration)
            .BuildServiceProvider();
        var clients = services.GetRequiredService<StorageClients>();
        await services.GetRequiredService<StorageProvisioner>().EnsureCreatedAsync(cancellationToken);
        var writer = services.GetRequiredService<EventQueueWriter>();
        var consumer = services.GetRequiredService<EventConsumer>();
        var ledger = services.GetRequiredService<EventLedgerQueries>();

        var perShard = new int[shards];
        var written = 0;
        async Task<ScaleStep> StepAsync(int events, int loopCount)
        {
            var envelopes = Enumerable.Range(written, events).Select(Envelope).ToList();
            written += events;
            await Concurrently.ForEachIndexAsync(0, envelopes.Count, workers: 16, (_, i) => Patiently(() => writer.SendAsync(envelopes[i], cancellationToken: cancellationToken), cancellationToken));
            for (var shard = 0; shard < shards; shard++)
            {
                perShard[shard] += (await clients.Queue(StorageNames.QueueFor(ScalekitSource.Id, shard)).GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
            }

            var meter = CpuMeter.Start(storage, tableStorage);
            var (elapsed, failedAttempts) = await ConsumeAsync(clients, consumer, shards, loopCount, batchSize, cancellationToken);
            var cpu = meter.Stop();
            var final = 0;
            foreach (var envelope in envelopes)
            {
                final += await ledger.FindAsync(ScalekitSource.Id, envelope.EventId, cancellationToken) is { } row && row.Status.IsFinal() ? 1 : 0;
            }

            return new ScaleStep(loopCount, batchSize, envelopes.Count, final, elapsed, cpu, failedAttempts);
        }

        // Not reported: the first step would otherwise also pay for JIT compilation and opening connections.
        await StepAsync(Math.Min(eventsPerStep, WarmUpEvents), loops.Max());
        var steps = new List<ScaleStep>();
        foreach (var loopCount in loops)
        {
            steps.Add(await StepAsync(eventsPerStep, loopCount));
        }

        var spreads = new List<PartitionSpread>
        {
            new("scalekit-events shards", shards, perShard.Sum(), perShard.Max()),
            await TableSpreadAsync(clients, StorageNames.EventLedgerTable, cancellationToken),
            await TableSpreadAsync(clients, StateTables.DirectoryUsers, cancellationToken),
        };
        return new ScaleReport(shards, steps, spreads, tablesOnOwnAccount);
    }

    /// <summary>
    /// Loop k works the shards s with s mod loops = k (with more loops than shards, shard k mod shards, shared with the
    /// other loops on it, as instances share a queue), one batch per shard in turn, until every shard queue is empty
    /// (a message whose attempt failed comes back after its visibility timeout and is worked again, as in a host).
    /// </summary>
    private static async Task<(TimeSpan Elapsed, int FailedAttempts)> ConsumeAsync(StorageClients clients, EventConsumer consumer, int shards, int loops, int batchSize, CancellationToken cancellationToken)
    {
        var failedAttempts = 0;
        async Task HandleAsync(QueueMessage message, CancellationToken token)
        {
            try
            {
                await consumer.HandleDeliveryAsync(message, token);
            }
            catch
            {
                Interlocked.Increment(ref failedAttempts);
                throw;
            }
        }

        var options = new QueueTriggerOptions { BatchSize = batchSize, ProcessingLease = TimeSpan.FromSeconds(30), VisibilityTimeout = TimeSpan.FromSeconds(1) };
        var queues = Enumerable.Range(0, shards).Select(shard => clients.Queue(StorageNames.QueueFor(ScalekitSource.Id, shard))).ToArray();
        var listeners = Enumerable.Range(0, shards).Select(shard => new QueueTriggerListener(
            queues[shard], clients.Queue(StorageNames.PoisonQueueFor(ScalekitSource.Id, shard)),
            HandleAsync, options, TimeProvider.System, NullLogger.Instance)).ToArray();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, loops).Select(async loop =>
        {
            var own = loops <= shards ? Enumerable.Range(0, shards).Where(shard => shard % loops == loop).ToArray() : [loop % shards];
            while (true)
            {
                var got = 0;
                foreach (var shard in own)
                {
                    got += await Attempt(() => listeners[shard].PollOnceAsync(cancellationToken), 0, cancellationToken);
                }

                if (got > 0)
                {
                    continue;
                }

                var left = 0;
                foreach (var queue in queues)
                {
                    left += await Attempt(async () => (await queue.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount, 1, cancellationToken);
                }

                if (left == 0)
                {
                    return;
                }

                await Task.Delay(50, cancellationToken);
            }
        }));
        return (clock.Elapsed, failedAttempts);
    }

    /// <summary>One try of a storage call; <paramref name="otherwise"/> when an overloaded Azurite times out.</summary>
    private static async Task<T> Attempt<T>(Func<Task<T>> operation, T otherwise, CancellationToken cancellationToken)
    {
        try
        {
            return await operation();
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or AggregateException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return otherwise;
        }
    }

    /// <summary>Runs <paramref name="operation"/> again after a storage timeout (an overloaded Azurite answers late), up to 5 times.</summary>
    private static async Task Patiently(Func<Task> operation, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await operation();
                return;
            }
            catch (Exception ex) when (ex is Azure.RequestFailedException or AggregateException or TaskCanceledException && attempt < 5 && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken);
            }
        }
    }

    private static async Task<PartitionSpread> TableSpreadAsync(StorageClients clients, string table, CancellationToken cancellationToken)
    {
        var partitions = new Dictionary<string, int>(StringComparer.Ordinal);
        await foreach (var row in clients.TablesFor(table).GetTableClient(table).QueryAsync<TableEntity>(select: ["PartitionKey"], cancellationToken: cancellationToken))
        {
            partitions[row.PartitionKey] = partitions.GetValueOrDefault(row.PartitionKey) + 1;
        }

        return new PartitionSpread($"table {table}", partitions.Count, partitions.Values.Sum(), partitions.Count == 0 ? 0 : partitions.Values.Max());
    }

    private static EventEnvelope Envelope(int i)
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000).AddMilliseconds(i);
        var eventId = $"evt_scale_{i:D7}";
        var body = ScalekitSamples.Create("organization.directory.user_updated", new SampleOptions
        {
            OccurredAt = at,
            EventId = eventId,
            DirectoryUserId = $"diruser_scale_{i:D7}",
            OrganizationId = $"org_scale_{i % ScaleReport.Organizations:D3}",
        });
        return new EventEnvelope
        {
            Source = ScalekitSource.Id,
            DeliveryId = "msg_" + eventId,
            EventId = eventId,
            EventType = "organization.directory.user_updated",
            OccurredAt = at,
            ReceivedAt = at,
            InlinePayload = JsonSerializer.SerializeToUtf8Bytes(body),
        };
    }
}
