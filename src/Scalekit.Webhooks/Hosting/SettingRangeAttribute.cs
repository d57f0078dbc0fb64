using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Scalekit.Webhooks.Hosting;

/// <summary>
/// The range an options property allows, with a message that names the setting an operator sets and the range in
/// that setting's own unit, never the value. (The options source generator replaces a plain <see cref="RangeAttribute"/>
/// with its own copy, which drops <c>ErrorMessage</c>; a subclass is kept as it is.)
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class SettingRangeAttribute : RangeAttribute
{
    /// <summary>A whole number from <paramref name="minimum"/> to <paramref name="maximum"/>.</summary>
    public SettingRangeAttribute(string setting, int minimum, int maximum)
        : base(minimum, maximum) =>
        ErrorMessage = Message(setting, $"a whole number from {minimum} to {maximum}");

    /// <summary>A decimal number (a rate, a share).</summary>
    public SettingRangeAttribute(string setting, double minimum, double maximum)
        : base(minimum, maximum) =>
        ErrorMessage = Message(setting, $"a number from {Number(minimum)} to {Number(maximum)}");

    /// <summary>A duration set as a number of <paramref name="unit"/>s.</summary>
    public SettingRangeAttribute(string setting, double minimum, double maximum, TimeUnit unit)
        : base(typeof(TimeSpan), Duration(minimum, unit), Duration(maximum, unit)) =>
        ErrorMessage = Message(setting, $"a number of {unit.ToString().ToLowerInvariant()} from {Number(minimum)} to {Number(maximum)}");

    /// <summary>A duration set as <c>hh:mm:ss</c> (host.json's form).</summary>
    public SettingRangeAttribute(string setting, string minimum, string maximum)
        : base(typeof(TimeSpan), minimum, maximum) =>
        ErrorMessage = Message(setting, $"a duration (hh:mm:ss) from {minimum} to {maximum}");

    private static string Message(string setting, string rule) => $"{SettingValue.DisplayName(setting)} must be {rule}.";

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Duration(double amount, TimeUnit unit) => (unit switch
    {
        TimeUnit.Milliseconds => TimeSpan.FromMilliseconds(amount),
        TimeUnit.Hours => TimeSpan.FromHours(amount),
        _ => TimeSpan.FromSeconds(amount),
    }).ToString("c", CultureInfo.InvariantCulture);
}
