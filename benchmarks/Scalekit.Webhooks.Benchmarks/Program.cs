using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Scalekit.Webhooks.Benchmarks;
using Scalekit.Webhooks.Testing.Scale;

// One command per benchmark; each measures its baseline in the same run.
//   verify [rounds] [c,c]       each verifier vs a bare HMAC of the same bytes (1 KB, 16 KB, 256 KB) in alternating rounds
//                               (default 1000); c: only those schemes (scalekit, stripe, bamboohr, hibob, merge)
//   verify-table [bdn args]     BenchmarkDotNet's table of the same cases (--anyCategories hibob etc.), no verdict
//   ingest  [count] [c,c,c] [pin] [httpclient] [host|raw|hop-send]  host vs raw queue sends at each concurrency (default 2000 at 1,8,32);
//                               pin: Azurite on CPU 0, this process on the others (Linux, taskset);
//                               httpclient: send with HttpClient instead of prepared bytes on kept-alive connections;
//                               host, raw or hop-send: after the warm-up time only that side, for a profiler to attach to
//   ingest-parts                BenchmarkDotNet: one delivery's CPU work and allocations vs the SDK send alone, storage answered from memory
//   process [count] [side]      consumer vs bare receive+upsert+delete (default 2000); side consumer|bare: that side
//                               alone on updates of known users, printing "draining" when the timed drain starts (to profile)
//   process-floor [count]       storage alone: bare loop vs a separate ledger row vs ledger and state in one transaction (default 2000)
//   hostile [count]             hostile-input run (default 10000)
//   soak    [seconds]           reliability soak with injected faults (default 300)
//   replay  [count]             dead-letter replayer vs a bare poison-queue move loop (default 10000)
//   drain   [count] [minutes]   a mass poisoning: count poison messages brought back by back-to-back replayer runs (default 60000);
//                               minutes: stop after that long and report the rate at that depth
//   scale   [count] [accounts] [batch]  4 shards worked by 1, 2, 4, 8, 16 consumer loops, count events each, each loop one batch
//                               (default 1) at a time; Azurite's CPU per step; shard and partition spread (default 2000);
//                               accounts 2 puts the tables on a second Azurite (STATE_STORAGE)
//   throttle [count] [cap]      refusal-throttle memory after count distinct addresses (default 100000) vs at its cap (default 10000)
var command = args.FirstOrDefault() ?? "help";
int Arg(int index, int fallback) => args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;
switch (command)
{
    case "verify":
        var categories = args.Length > 2 ? args[2].Split(',') : [];
        return VerificationTargets.Run(PairedRoundsOptions.Default with { Rounds = Arg(1, PairedRoundsOptions.Default.Rounds) }, categories, Console.Out) ? 0 : 1;
    case "verify-table":
        var config = DefaultConfig.Instance.AddJob(Job.Default.WithWarmupCount(5).WithIterationCount(15).WithToolchain(InProcessEmitToolchain.Instance)).WithOptions(ConfigOptions.DisableOptimizationsValidator);
        BenchmarkRunner.Run<VerificationBenchmarks>(config, args.Skip(1).ToArray());
        return 0;
    case "ingest-parts":
        var partsConfig = DefaultConfig.Instance.AddJob(Job.Default.WithWarmupCount(5).WithIterationCount(15).WithToolchain(InProcessEmitToolchain.Instance)).WithOptions(ConfigOptions.DisableOptimizationsValidator);
        BenchmarkRunner.Run<IngestPathBenchmarks>(partsConfig, args.Skip(1).ToArray());
        return 0;
    case "ingest":
        var concurrencies = args.Length > 2 ? args[2].Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray() : [1, 8, 32];
        return await IngestBenchmark.RunAsync(Arg(1, 2000), concurrencies, Console.Out, pin: args.Skip(3).Contains("pin"), httpClientSender: args.Skip(3).Contains("httpclient"),
            only: args.Skip(3).FirstOrDefault(a => a is "host" or "raw" or "hop-send")) ? 0 : 1;
    case "process":
        return args.Length > 2
            ? await ProcessingBenchmark.RunOneSideAsync(Arg(1, 2000), args[2], Console.Out) ? 0 : 1
            : await ProcessingBenchmark.RunAsync(Arg(1, 2000), Console.Out) ? 0 : 1;
    case "process-floor":
        return await StorageFloorBenchmark.RunAsync(Arg(1, 2000), Console.Out) ? 0 : 1;
    case "hostile":
        return await HostileInputCommand.RunAsync(Arg(1, 10_000), Console.Out) ? 0 : 1;
    case "soak":
        return await SoakCommand.RunAsync(TimeSpan.FromSeconds(Arg(1, 300)), Console.Out) ? 0 : 1;
    case "replay":
        return await ReplayBenchmark.RunAsync(Arg(1, 10_000), Console.Out) ? 0 : 1;
    case "drain":
        return await ReplayDrainCommand.RunAsync(Arg(1, 60_000), Console.Out, args.Length > 2 ? TimeSpan.FromMinutes(Arg(2, 0)) : null) ? 0 : 1;
    case "scale":
        return await ScaleCommand.RunAsync(Arg(1, 2000), Arg(2, 1), Arg(3, ScaleRun.DefaultBatchSize), Console.Out) ? 0 : 1;
    case "throttle":
        return await ThrottleMemoryBenchmark.RunAsync(Arg(1, 100_000), Arg(2, 10_000), Console.Out) ? 0 : 1;
    default:
        Console.WriteLine("usage: dotnet run -c Release --project benchmarks/Scalekit.Webhooks.Benchmarks -- verify|verify-table|ingest|ingest-parts|process|process-floor|hostile|soak|replay|drain|scale|throttle [args]");
        return command == "help" ? 0 : 2;
}
