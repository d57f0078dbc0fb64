using System.Globalization;
using Microsoft.Extensions.Logging;
using Scalekit.Webhooks.DeadLetters;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>
/// The replayer's log lines that describe a run as a whole (its summary, pace changes, overtaken deletes), written to
/// the benchmark's output with the time; its line per message is left out.
/// </summary>
public sealed class ReplayerLog(TextWriter output) : ILogger<DeadLetterReplayer>
{
    private static readonly HashSet<int> Shown = [6003, 6006, 6007];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (Shown.Contains(eventId.Id))
        {
            var line = string.Create(CultureInfo.InvariantCulture, $"  {TimeProvider.System.GetUtcNow():HH:mm:ss} {formatter(state, exception)}");
            lock (output)
            {
                output.WriteLine(line);
            }
        }
    }
}
