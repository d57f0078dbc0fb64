using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Scalekit.Webhooks.Hosting;

/// <summary>
/// Reads one flat app setting into the type its options property has. A value that cannot be read as that type stops
/// start-up with a message that names the setting; an absent or empty setting keeps the documented default. Ranges and
/// other rules are the options classes' own, checked by their source-generated validators.
/// </summary>
public static class SettingValue
{
    public static int WholeNumber(IConfiguration configuration, string setting, int fallback)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (Raw(configuration, setting) is not { } value)
        {
            return fallback;
        }

        return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw Invalid(setting, "must be a whole number");
    }

    /// <summary>A decimal number (a rate, a share).</summary>
    public static double Number(IConfiguration configuration, string setting, double fallback)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (Raw(configuration, setting) is not { } value)
        {
            return fallback;
        }

        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && double.IsFinite(parsed)
            ? parsed
            : throw Invalid(setting, "must be a number");
    }

    /// <summary>A duration given as a number of <paramref name="unit"/>s (fractions allowed).</summary>
    public static TimeSpan Duration(IConfiguration configuration, string setting, TimeSpan fallback, TimeUnit unit)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (Raw(configuration, setting) is not { } value)
        {
            return fallback;
        }

        var perUnit = unit switch
        {
            TimeUnit.Milliseconds => TimeSpan.FromMilliseconds(1),
            TimeUnit.Hours => TimeSpan.FromHours(1),
            _ => TimeSpan.FromSeconds(1),
        };
        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && double.IsFinite(parsed)
            && Math.Abs(parsed * perUnit.Ticks) < TimeSpan.MaxValue.Ticks
            ? perUnit * parsed
            : throw Invalid(setting, $"must be a number of {unit.ToString().ToLowerInvariant()}");
    }

    /// <summary>A duration written as <c>hh:mm:ss</c>, as host.json holds them.</summary>
    public static TimeSpan TimeOfDayStyle(IConfiguration configuration, string setting, TimeSpan fallback)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (Raw(configuration, setting) is not { } value)
        {
            return fallback;
        }

        return TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw Invalid(setting, "must be a duration (hh:mm:ss)");
    }

    /// <summary>A six-field cron expression (seconds first), as the timer triggers read it; each host checks that it can run it.</summary>
    public static string Cron(IConfiguration configuration, string setting, string fallback)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return Raw(configuration, setting) ?? fallback;
    }

    /// <summary>The failure for <paramref name="setting"/>; the message never repeats the value.</summary>
    public static OptionsValidationException Invalid(string setting, string rule) =>
        new(setting, typeof(SettingValue), [$"{DisplayName(setting)} {rule}."]);

    /// <summary>The name an operator sets: configuration paths use ':', app settings and environment variables spell the same path with '__'.</summary>
    public static string DisplayName(string setting) => setting.Replace(":", "__", StringComparison.Ordinal);

    /// <summary>
    /// A list written either as <c>a,b</c> or as a JSON list of strings <c>["a","b"]</c> (the form the structured
    /// settings take); entries are trimmed and repeats dropped. Null when the setting is absent or empty.
    /// </summary>
    public static IReadOnlyList<string>? List(IConfiguration configuration, string setting)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (Raw(configuration, setting) is not { } value)
        {
            return null;
        }

        if (!value.StartsWith('['))
        {
            return [.. value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal)];
        }

        try
        {
            var items = System.Text.Json.JsonSerializer.Deserialize<string?[]>(value);
            return items is not null && items.All(item => !string.IsNullOrWhiteSpace(item))
                ? [.. items.Select(item => item!.Trim()).Distinct(StringComparer.Ordinal)]
                : throw new System.Text.Json.JsonException();
        }
        catch (System.Text.Json.JsonException)
        {
            throw Invalid(setting, "must be names separated by commas (a,b) or a JSON list of strings ([\"a\",\"b\"])");
        }
    }

    private static string? Raw(IConfiguration configuration, string setting) =>
        configuration[setting] is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}

/// <summary>The unit a numeric duration setting is written in.</summary>
public enum TimeUnit
{
    Seconds,
    Milliseconds,
    Hours,
}
