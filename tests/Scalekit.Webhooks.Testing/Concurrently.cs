namespace Scalekit.Webhooks.Testing;

/// <summary>Load-generator loop: a fixed number of workers, each taking the next index in [from, to) as it frees up.</summary>
public static class Concurrently
{
    /// <param name="from">First index.</param>
    /// <param name="to">One past the last index.</param>
    /// <param name="workers">How many items are in flight at once.</param>
    /// <param name="work">Called with the worker's number (0 to workers − 1) and the item's index.</param>
    public static Task ForEachIndexAsync(int from, int to, int workers, Func<int, int, Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var next = from - 1;
        return Task.WhenAll(Enumerable.Range(0, workers).Select(async worker =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < to)
            {
                await work(worker, index);
            }
        }));
    }
}
