using System.Globalization;

namespace Scalekit.Webhooks.Hosting.Local;

/// <summary>
/// A six-field cron expression (second minute hour day-of-month month day-of-week), as Azure Functions timer
/// triggers use, so the local host runs timer jobs on the very schedule the Functions app does. Fields accept
/// <c>*</c>, numbers, ranges <c>a-b</c>, steps <c>*/n</c> or <c>a-b/n</c>, and comma lists. Times are UTC.
/// </summary>
public sealed class CronSchedule
{
    private static readonly (int Min, int Max)[] Ranges = [(0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (0, 6)];
    private readonly bool[][] _allowed;

    private CronSchedule(bool[][] allowed) => _allowed = allowed;

    public static CronSchedule Parse(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 6)
        {
            throw new FormatException($"'{expression}' is not a six-field cron expression (second minute hour day month day-of-week).");
        }

        var allowed = new bool[6][];
        for (var i = 0; i < 6; i++)
        {
            allowed[i] = ParseField(fields[i], Ranges[i].Min, Ranges[i].Max, expression);
        }

        return new CronSchedule(allowed);
    }

    /// <summary>Parses <paramref name="expression"/>; false when it is not a six-field cron expression this host can run.</summary>
    public static bool TryParse(string expression, out CronSchedule? schedule)
    {
        try
        {
            schedule = Parse(expression);
            return true;
        }
        catch (FormatException)
        {
            schedule = null;
            return false;
        }
    }

    /// <summary>The first matching second strictly after <paramref name="after"/>.</summary>
    public DateTimeOffset Next(DateTimeOffset after)
    {
        var t = after.ToUniversalTime();
        t = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second, TimeSpan.Zero).AddSeconds(1);
        var limit = t.AddYears(5);
        while (t < limit)
        {
            if (!_allowed[4][t.Month])
            {
                t = new DateTimeOffset(t.Year, t.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
                continue;
            }

            if (!_allowed[3][t.Day] || !_allowed[5][(int)t.DayOfWeek])
            {
                t = new DateTimeOffset(t.Year, t.Month, t.Day, 0, 0, 0, TimeSpan.Zero).AddDays(1);
                continue;
            }

            if (!_allowed[2][t.Hour])
            {
                t = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero).AddHours(1);
                continue;
            }

            if (!_allowed[1][t.Minute])
            {
                t = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, TimeSpan.Zero).AddMinutes(1);
                continue;
            }

            if (!_allowed[0][t.Second])
            {
                t = t.AddSeconds(1);
                continue;
            }

            return t;
        }

        throw new InvalidOperationException("The cron expression never matches.");
    }

    private static bool[] ParseField(string field, int min, int max, string expression)
    {
        var allowed = new bool[max + 1];
        foreach (var part in field.Split(','))
        {
            var step = 1;
            var range = part;
            var slash = part.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0)
            {
                step = Number(part[(slash + 1)..], 1, max, expression);
                range = part[..slash];
            }

            int from, to;
            if (range == "*")
            {
                (from, to) = (min, max);
            }
            else if (range.IndexOf('-', StringComparison.Ordinal) is var dash and > 0)
            {
                (from, to) = (Number(range[..dash], min, max, expression), Number(range[(dash + 1)..], min, max, expression));
            }
            else
            {
                from = Number(range, min, max, expression);
                to = slash >= 0 ? max : from;
            }

            for (var value = from; value <= to; value += step)
            {
                allowed[value] = true;
            }
        }

        return allowed;
    }

    private static int Number(string text, int min, int max, string expression) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new FormatException($"'{text}' in cron expression '{expression}' is not a number from {min} to {max}.");
}
