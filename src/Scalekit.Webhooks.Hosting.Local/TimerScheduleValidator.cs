using Microsoft.Extensions.Options;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Privacy;

namespace Scalekit.Webhooks.Hosting.Local;

/// <summary>
/// Stops the local host at start when a core timer's schedule is not a cron expression it can run, naming the setting;
/// an integration's schedule (the CRM sync's) switches only that integration off (<see cref="Problem"/>).
/// (The Functions runtime checks the schedules of its own timer triggers.)
/// </summary>
public sealed class TimerScheduleValidator : IValidateOptions<DeadLetterOptions>, IValidateOptions<RetentionOptions>
{
    public ValidateOptionsResult Validate(string? name, DeadLetterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Check(DeadLetterOptions.ScheduleSetting, options.Schedule);
    }

    public ValidateOptionsResult Validate(string? name, RetentionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Check(RetentionOptions.ScheduleSetting, options.Schedule);
    }

    /// <summary>Why <paramref name="schedule"/> cannot run, naming <paramref name="setting"/>; null when it can.</summary>
    public static string? Problem(string setting, string schedule)
    {
        try
        {
            CronSchedule.Parse(schedule);
            return null;
        }
        catch (FormatException ex)
        {
            return $"{setting} must be a six-field cron expression (second minute hour day month day-of-week): {ex.Message}";
        }
    }

    private static ValidateOptionsResult Check(string setting, string schedule) =>
        Problem(setting, schedule) is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}
