using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;

namespace Scalekit.Webhooks.Privacy;

/// <summary>How long stored event payloads (which carry personal data) are kept.</summary>
public sealed class RetentionOptions
{
    public const string DaysSetting = "EVENT_PAYLOAD_RETENTION_DAYS";
    public const string ScheduleSetting = "PAYLOAD_RETENTION_SCHEDULE";

    /// <summary>Days a settled event's payload and a resolved dead letter are kept. Default 30.</summary>
    public int Days { get; set; } = 30;

    /// <summary>Six-field cron of the retention run, as the Functions timer trigger reads it. Default: daily at 02:30 UTC.</summary>
    public string Schedule { get; set; } = "0 30 2 * * *";

    public TimeSpan Period => TimeSpan.FromDays(Days);

    internal string? DaysText { get; set; }

    internal static void Bind(RetentionOptions options, IConfiguration configuration)
    {
        options.DaysText = configuration[DaysSetting] is { Length: > 0 } days ? days : null;
        if (options.DaysText is not null)
        {
            options.Days = int.TryParse(options.DaysText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : -1;
        }

        if (configuration[ScheduleSetting] is { Length: > 0 } schedule)
        {
            options.Schedule = schedule;
        }
    }
}

internal sealed class RetentionOptionsValidator : IValidateOptions<RetentionOptions>
{
    public ValidateOptionsResult Validate(string? name, RetentionOptions options)
    {
        var errors = new List<string>();
        if (options.Days is < 1 or > 3650)
        {
            errors.Add($"{RetentionOptions.DaysSetting} must be a whole number of days from 1 to 3650.");
        }

        try
        {
            CronSchedule.Parse(options.Schedule);
        }
        catch (FormatException ex)
        {
            errors.Add($"{RetentionOptions.ScheduleSetting} is not a six-field cron expression: {ex.Message}");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
