using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Privacy;

namespace Scalekit.Webhooks.Hosting.Local;

/// <summary>
/// Stops the local host at start when a timer schedule is not a cron expression it can run, naming the setting.
/// (The Functions runtime checks the schedules of its own timer triggers.)
/// </summary>
public sealed class TimerScheduleValidator : IValidateOptions<DeadLetterOptions>, IValidateOptions<RetentionOptions>, IValidateOptions<CrmOptions>
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

    public ValidateOptionsResult Validate(string? name, CrmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Check(CrmOptions.ScheduleSetting, options.Schedule);
    }

    private static ValidateOptionsResult Check(string setting, string schedule)
    {
        try
        {
            CronSchedule.Parse(schedule);
            return ValidateOptionsResult.Success;
        }
        catch (FormatException ex)
        {
            return ValidateOptionsResult.Fail($"{setting} must be a six-field cron expression (second minute hour day month day-of-week): {ex.Message}");
        }
    }
}
