using System.Globalization;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>Storage operations counted over some events, by kind.</summary>
public sealed class OperationTally
{
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private int _events;
    private TimeSpan _cpu;

    /// <summary>This process's CPU time per event (the storage emulator is another process), in microseconds.</summary>
    public double CpuMicroseconds => _cpu.TotalMicroseconds / Math.Max(1, _events);

    public void Add(int events, IReadOnlyDictionary<string, int> counts, TimeSpan cpu = default)
    {
        _events += events;
        _cpu += cpu;
        foreach (var (kind, count) in counts)
        {
            _counts[kind] = _counts.GetValueOrDefault(kind) + count;
        }
    }

    public string Row(string name)
    {
        var total = _counts.Values.Sum() / (double)Math.Max(1, _events);
        var kinds = string.Join(", ", _counts.OrderByDescending(pair => pair.Value).Select(pair =>
            string.Create(CultureInfo.InvariantCulture, $"{pair.Key} {pair.Value / (double)_events:F2}")));
        return string.Create(CultureInfo.InvariantCulture, $"| {name} | {_events} | {total:F2} | {kinds} |");
    }
}
