using Scalekit.Webhooks.Benchmarks;
using Xunit.Abstractions;

namespace Scalekit.Webhooks.Benchmarks.Tests;

/// <summary>
/// Each benchmark command run at a few dozen events, so the commands the docs quote keep working. Speed is the
/// benchmarks' business (their targets are not checked here); what is checked is what each run counts exactly: storage
/// operations per event and, for the replayer, that every message comes back.
/// The soak, hostile-input and scale runs have their smoke tests in the integration tests.
/// </summary>
public class BenchmarkSmokeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Ingest_PrintsEachConcurrency_AndStoresEachDeliveryWithOneQueueSend()
    {
        var printed = await RunAsync(writer => IngestBenchmark.RunAsync(40, [1, 4], writer));

        Assert.Contains(printed, line => line.StartsWith("| 1 |", StringComparison.Ordinal));
        Assert.Contains(printed, line => line.StartsWith("| 4 |", StringComparison.Ordinal));
        var host = Assert.Single(printed, line => line.StartsWith("| host: verify, envelope, queue send |", StringComparison.Ordinal));
        Assert.EndsWith("| 1.00 | queue send 1.00 |", host, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_CountsEverySourcesOperations_AndAKnownUsersUpdateIsOneRowOneDeleteAndAShareOfALedgerTransaction()
    {
        var printed = await RunAsync(writer => ProcessingBenchmark.RunAsync(80, writer));

        // Two bare loops, each against all rounds and against the rounds after each user's first event.
        Assert.Equal(4, printed.Count(line => line.StartsWith("| upserting ", StringComparison.Ordinal)));
        var known = Assert.Single(printed, line => line.StartsWith("| … rounds 2-4 only", StringComparison.Ordinal));
        Assert.Contains("queue delete 1.00", known, StringComparison.Ordinal);
        Assert.Contains("table replace 1.00", known, StringComparison.Ordinal);
        Assert.DoesNotContain("table read", known, StringComparison.Ordinal);

        // The ledger rows of a batch go in one transaction: far less than the one insert an event they cost alone.
        Assert.Contains("table batch", known, StringComparison.Ordinal);
        Assert.InRange(double.Parse(known.Split('|')[3].Trim(), System.Globalization.CultureInfo.InvariantCulture), 2.0, 2.5);
        Assert.Contains(printed, line => line.StartsWith("| Stripe consumer:", StringComparison.Ordinal));

        // HR events go through a connection's route and are synced (each looks its user up and updates it), not parked.
        var hr = Assert.Single(printed, line => line.StartsWith("| HR consumer:", StringComparison.Ordinal));
        Assert.Equal("100", hr.Split('|')[2].Trim());
        Assert.Contains("queue delete 1.00", hr, StringComparison.Ordinal);
        Assert.InRange(double.Parse(hr.Split('|')[3].Trim(), System.Globalization.CultureInfo.InvariantCulture), 4.0, 8.0);
        Assert.Contains("HR sync: 100 employee updates through connection 'bench', 100 Scalekit user lookups and 100 user updates", printed);
    }

    [Theory]
    [InlineData("consumer")]
    [InlineData("bare")]
    public async Task ProcessOneSide_DrainsTheUpdatesOfKnownUsers_AfterSayingItStarts(string side)
    {
        // 120 updates of 30 users: the first 30 make every user known, the other 90 are the timed drain.
        var printed = await RunAsync(writer => ProcessingBenchmark.RunOneSideAsync(120, side, writer));

        Assert.Contains(printed, line => line.StartsWith($"draining 90 ({side}, process ", StringComparison.Ordinal));
        var result = Assert.Single(printed, line => line.StartsWith($"{side}: 90 updates of known users, ", StringComparison.Ordinal));
        Assert.Contains("µs/event in this process", result, StringComparison.Ordinal);
        Assert.Contains("KiB allocated/event", result, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProcessOneSide_RefusesAnUnknownSide()
    {
        Assert.False(await ProcessingBenchmark.RunOneSideAsync(120, "both", TextWriter.Null));
    }

    [Fact]
    public async Task ProcessFloor_OneTransactionCostsTheBareLoopsOperations_ASeparateLedgerRowOneMore_ABatchsRowsTogetherASixteenth()
    {
        var printed = await RunAsync(writer => StorageFloorBenchmark.RunAsync(80, writer));

        var operations = printed.Where(line => line.StartsWith("| ", StringComparison.Ordinal) && !line.StartsWith("| loop", StringComparison.Ordinal))
            .Select(line => double.Parse(line.Split('|')[4].Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(4, operations.Length);
        Assert.Equal(operations[0], operations[2]);
        Assert.Equal(operations[0] + 1, operations[1], precision: 2);

        // A batch's ledger rows in one transaction: one operation for up to 16 events.
        Assert.InRange(operations[3], operations[0] + 0.05, operations[0] + 0.25);
    }

    [Fact]
    public async Task Replay_MovesEveryMessage_AndParksNone()
    {
        var printed = await RunAsync(writer => ReplayBenchmark.RunAsync(160, writer));

        // 160 in the timed rounds, then 160 more one batch at a time; a run that failed on storage may send some twice.
        var counts = Assert.Single(printed, line => line.StartsWith("replayer: ", StringComparison.Ordinal)).Split(' ');
        Assert.InRange(int.Parse(counts[1], System.Globalization.CultureInfo.InvariantCulture), 320, int.MaxValue);
        Assert.Equal("0", counts[4]);
        Assert.Equal("320", counts[7]);
    }

    [Fact]
    public async Task Drain_BringsEveryPoisonMessageBack()
    {
        var printed = await RunAsync(writer => ReplayDrainCommand.RunAsync(200, writer));

        Assert.Contains(printed, line => line.StartsWith("PASS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Throttle_TracksNoMoreThanItsCap_AndItsMemoryStaysThatOfTheCap()
    {
        var printed = await RunAsync(writer => ThrottleMemoryBenchmark.RunAsync(20_000, 1_000, writer));

        var bounded = Assert.Single(printed, line => line.StartsWith("| bounded throttle, cap 1,000 | 20,000 |", StringComparison.Ordinal));
        Assert.Equal("1,000", bounded.Split('|')[3].Trim());
        Assert.Contains(printed, line => line.StartsWith("| earlier design: ", StringComparison.Ordinal) && line.Split('|')[3].Trim() == "20,000");
        Assert.Contains(printed, line => line.StartsWith("bounded: ", StringComparison.Ordinal));
    }

    private async Task<string[]> RunAsync(Func<TextWriter, Task<bool>> command)
    {
        using var writer = new StringWriter();
        await command(writer);
        var text = writer.ToString();
        output.WriteLine(text);
        return text.Split('\n', StringSplitOptions.TrimEntries);
    }
}
