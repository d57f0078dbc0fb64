using System.Diagnostics;
using System.Globalization;

namespace Scalekit.Webhooks.Testing.Scale;

/// <summary>
/// One Azurite process during a step, in % of the step's wall time: its CPU (all threads, so % of one core), and its
/// main thread, where Node runs every request, running or waiting in the run queue for a core (null where the kernel
/// does not say).
/// </summary>
public sealed record StoreUse(double CpuPercent, double? ThreadBusyPercent)
{
    /// <summary>At or above this share of one core Azurite is saturated; at or above this share of the step its thread never idled.</summary>
    public const double SaturatedPercent = 90;

    /// <summary>Azurite used (nearly) a whole core: more requests at once can only queue behind it.</summary>
    public bool Saturated => CpuPercent >= SaturatedPercent;

    /// <summary>
    /// Azurite's thread never idled but did not get a whole core: on a shared machine it waited for one, so the
    /// machine, through Azurite, is the limit.
    /// </summary>
    public bool Starved => !Saturated && ThreadBusyPercent >= SaturatedPercent;

    public string Describe() => ThreadBusyPercent is { } busy
        ? FormattableString.Invariant($"{CpuPercent:F0} % | {busy:F0} %")
        : FormattableString.Invariant($"{CpuPercent:F0} % | n/a");
}

/// <summary>Processor use during one step: each Azurite, this process (in % of one core), and the whole machine (in % of all its cores).</summary>
public sealed record StepCpu(StoreUse Store, StoreUse? TableStore, double BenchPercent, double? MachineBusyPercent)
{
    public bool StoreSaturated => Store.Saturated || TableStore?.Saturated == true;

    public bool StoreStarved => !StoreSaturated && (Store.Starved || TableStore?.Starved == true);

    /// <summary>The Azurite that used more CPU.</summary>
    public StoreUse BusiestStore => TableStore is { } tables && tables.CpuPercent > Store.CpuPercent ? tables : Store;
}

/// <summary>Reads processor times at the start of a step and turns the readings at its end into a <see cref="StepCpu"/>.</summary>
public sealed class CpuMeter
{
    private readonly StoreMeter _store;
    private readonly StoreMeter? _tableStore;
    private readonly TimeSpan _benchStart = Environment.CpuUsage.TotalTime;
    private readonly MachineTicks? _machineStart = MachineTicks.Read();
    private readonly long _wallStart = Stopwatch.GetTimestamp();

    private CpuMeter(Azurite store, Azurite? tableStore)
    {
        _store = new StoreMeter(store);
        _tableStore = tableStore is null ? null : new StoreMeter(tableStore);
    }

    public static CpuMeter Start(Azurite store, Azurite? tableStore) => new(store, tableStore);

    public StepCpu Stop()
    {
        var wall = Stopwatch.GetElapsedTime(_wallStart);
        var machineEnd = MachineTicks.Read();
        return new StepCpu(
            _store.Stop(wall),
            _tableStore?.Stop(wall),
            100 * (Environment.CpuUsage.TotalTime - _benchStart) / wall,
            _machineStart is { } start && machineEnd is { } end && end.Total > start.Total
                ? 100.0 * (end.Busy - start.Busy) / (end.Total - start.Total)
                : null);
    }

    private sealed class StoreMeter(Azurite azurite)
    {
        private readonly TimeSpan _cpuStart = azurite.ProcessorTime;
        private readonly MainThreadTimes? _threadStart = azurite.MainThread;

        public StoreUse Stop(TimeSpan wall)
        {
            var cpu = 100 * (azurite.ProcessorTime - _cpuStart) / wall;
            return _threadStart is { } start && azurite.MainThread is { } end
                ? new StoreUse(cpu, 100 * (end.Running - start.Running + end.Waiting - start.Waiting) / wall)
                : new StoreUse(cpu, null);
        }
    }

    /// <summary>The machine's busy and total clock ticks over all cores, from the first line of <c>/proc/stat</c>.</summary>
    private readonly record struct MachineTicks(long Busy, long Total)
    {
        public static MachineTicks? Read()
        {
            if (!File.Exists("/proc/stat"))
            {
                return null;
            }

            // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"; guest time is already in user.
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Skip(1).Take(8).Select(field => long.Parse(field, CultureInfo.InvariantCulture)).ToArray();
            var total = fields.Sum();
            return new MachineTicks(total - fields[3] - fields[4], total);
        }
    }
}
