using System.Diagnostics;
using System.Globalization;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Testing;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>
/// A mass poisoning brought back whole: fills the Scalekit poison queue with <c>count</c> messages, then runs the
/// replayer back to back, as its timer would if every run used its whole budget, until the poison queue is empty.
/// Prints the drain time, the rate, how many runs it took, and checks that every message reached the event queue.
/// </summary>
public static class ReplayDrainCommand
{
    public static async Task<bool> RunAsync(int count, TextWriter output)
    {
        await using var bench = await BenchmarkHost.StartAsync();
        var poison = bench.Clients.Queue(StorageNames.PoisonQueueFor(ScalekitSource.Id));
        var target = bench.Clients.Queue(StorageNames.QueueFor(ScalekitSource.Id));
        var options = new DeadLetterOptions();
        var replayer = ReplayBenchmark.Replayer(bench, options);

        var filling = Stopwatch.StartNew();
        await Concurrently.ForEachIndexAsync(0, count, workers: 16,
            (_, i) => ReplayBenchmark.Patiently(() => poison.SendMessageAsync(BinaryData.FromBytes(ReplayBenchmark.Envelope(i)))));
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"replay drain: {count} poison messages (Scalekit) stored in {filling.Elapsed.TotalSeconds:F0} s"));

        var draining = Stopwatch.StartNew();
        var runs = new ReplayerRuns();
        await runs.DrainAsync(replayer, poison);
        var elapsed = draining.Elapsed;
        var arrived = (await ReplayBenchmark.Patiently(() => target.GetPropertiesAsync())).Value.ApproximateMessagesCount;
        await output.WriteLineAsync("| messages | drain time | msg/s | replayer runs (used their whole budget, failed on storage) | replayed | parked | on the event queue |");
        await output.WriteLineAsync("|---:|---:|---:|---|---:|---:|---:|");
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"| {count} | {elapsed:m\\:ss} | {count / elapsed.TotalSeconds:F0} | {runs.Runs} ({runs.OutOfTime}, {runs.Failed}) | {runs.Replayed} | {runs.Parked} | {arrived} |"));

        // A run that failed after sending but before deleting sends a message twice (the ledger absorbs that): at least count must arrive.
        var whole = arrived >= count && runs.Parked == 0;
        await output.WriteLineAsync(whole ? "PASS: every poison message is back on the event queue" : $"FAIL: {count - arrived} messages missing, {runs.Parked} parked");
        return whole;
    }
}
