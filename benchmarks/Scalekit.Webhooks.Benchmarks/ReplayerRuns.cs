using Azure.Storage.Queues;
using Scalekit.Webhooks.DeadLetters;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>What back-to-back replayer runs did until their poison queue was empty.</summary>
public sealed class ReplayerRuns
{
    public int Runs { get; private set; }

    /// <summary>Runs that failed on a storage error; their leased messages come back after the lease.</summary>
    public int Failed { get; private set; }

    /// <summary>Runs that stopped at their time budget with messages left.</summary>
    public int OutOfTime { get; private set; }

    /// <summary>What the last failed run failed on.</summary>
    public string? LastFailure { get; private set; }

    public int Replayed { get; private set; }

    public int Parked { get; private set; }

    /// <summary>Messages left to reappear because too little of their lease was left.</summary>
    public int Skipped { get; private set; }

    /// <summary>Messages whose lease ran out before their delete, so another receive took them.</summary>
    public int Overtaken { get; private set; }

    /// <summary>
    /// Runs <paramref name="replayer"/> as its timer would if every run used its whole budget, until no message, visible
    /// or leased, is left in <paramref name="poison"/>; a run that fails when storage times out is followed by the next.
    /// A run that moved nothing (what is left is leased) is followed by the next after a second, not at once. With
    /// <paramref name="limit"/>, no run starts after that long.
    /// </summary>
    public async Task DrainAsync(DeadLetterReplayer replayer, QueueClient poison, TimeSpan? limit = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < (limit ?? TimeSpan.MaxValue) && await ReplayBenchmark.Patiently(async () => (await poison.GetPropertiesAsync()).Value.ApproximateMessagesCount) > 0)
        {
            Runs++;
            try
            {
                var run = await replayer.RunOnceAsync();
                Replayed += run.Replayed;
                Parked += run.Parked;
                OutOfTime += run.OutOfTime ? 1 : 0;
                Skipped += run.Skipped;
                Overtaken += run.Overtaken;
                if (run.Replayed + run.Parked == 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1));
                }
            }
            catch (Exception ex) when (ReplayBenchmark.IsStorageTimeout(ex))
            {
                Failed++;
                LastFailure = $"{ex.GetType().Name}: {ex.Message.Split('\n')[0]}";
            }
        }
    }
}
