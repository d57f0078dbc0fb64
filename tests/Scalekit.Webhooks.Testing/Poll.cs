using System.Diagnostics;

namespace Scalekit.Webhooks.Testing;

/// <summary>Waits for something the pipeline does in the background.</summary>
public static class Poll
{
    /// <summary>Calls <paramref name="probe"/> until it gives a value; throws after <paramref name="timeout"/> (default 30 s).</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? timeout = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(probe);
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"Not within {limit.TotalSeconds:0} s: {what}.");
            }

            await Task.Delay(100);
        }
    }
}
