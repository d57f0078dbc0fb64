using System.Diagnostics;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>
/// Counters of this whole process (CPU time, bytes allocated, thread-pool work items): two readings around a timed
/// phase give what it cost. They depend on how busy the machine is far less than times do (CPU time only a little).
/// </summary>
internal readonly record struct ProcessCost(TimeSpan Cpu, long AllocatedBytes, long WorkItems)
{
    public static ProcessCost Now() => new(Process.GetCurrentProcess().TotalProcessorTime, GC.GetTotalAllocatedBytes(precise: false), ThreadPool.CompletedWorkItemCount);

    public static ProcessCost operator -(ProcessCost a, ProcessCost b) => new(a.Cpu - b.Cpu, a.AllocatedBytes - b.AllocatedBytes, a.WorkItems - b.WorkItems);

    public static ProcessCost operator +(ProcessCost a, ProcessCost b) => new(a.Cpu + b.Cpu, a.AllocatedBytes + b.AllocatedBytes, a.WorkItems + b.WorkItems);
}
