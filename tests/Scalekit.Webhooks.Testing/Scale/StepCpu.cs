using System.Diagnostics;
using System.Globalization;

namespace Scalekit.Webhooks.Testing.Scale;

/// <summary>
/// Processor use during one step, in % of one core: each Azurite process, this process, and the whole machine (in %
/// of all its cores; null where <c>/proc/stat</c> is missing).
/// </summary>
public sealed record StepCpu(double StorePercent, double? TableStorePercent, double BenchPercent, double? MachineBusyPercent)
{
    /// <summary>An Azurite process at or above this share of one core is saturated: Node serves its requests on one thread.</summary>
    public const double SaturatedPercent = 90;

    public bool StoreSaturated => StorePercent >= SaturatedPercent || TableStorePercent >= SaturatedPercent;

    /// <summary>The busier Azurite's share of one core.</summary>
    public double BusiestStorePercent => Math.Max(StorePercent, TableStorePercent ?? 0);
}

/// <summary>Reads processor times at the start of a step and turns the readings at its end into a <see cref="StepCpu"/>.</summary>
public sealed class CpuMeter
{
    private readonly Azurite _store;
    private readonly Azurite? _tableStore;
    private readonly TimeSpan _storeStart;
    private readonly TimeSpan _tableStoreStart;
    private readonly TimeSpan _benchStart;
    private readonly MachineTicks? _machineStart;
    private readonly long _wallStart = Stopwatch.GetTimestamp();

    private CpuMeter(Azurite store, Azurite? tableStore)
    {
        _store = store;
        _tableStore = tableStore;
        _storeStart = store.ProcessorTime;
        _tableStoreStart = tableStore?.ProcessorTime ?? TimeSpan.Zero;
        _benchStart = Environment.CpuUsage.TotalTime;
        _machineStart = MachineTicks.Read();
    }

    public static CpuMeter Start(Azurite store, Azurite? tableStore) => new(store, tableStore);

    public StepCpu Stop()
    {
        var wall = Stopwatch.GetElapsedTime(_wallStart);
        double Percent(TimeSpan used) => 100 * used / wall;
        var machineEnd = MachineTicks.Read();
        return new StepCpu(
            Percent(_store.ProcessorTime - _storeStart),
            _tableStore is null ? null : Percent(_tableStore.ProcessorTime - _tableStoreStart),
            Percent(Environment.CpuUsage.TotalTime - _benchStart),
            _machineStart is { } start && machineEnd is { } end && end.Total > start.Total
                ? 100.0 * (end.Busy - start.Busy) / (end.Total - start.Total)
                : null);
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
