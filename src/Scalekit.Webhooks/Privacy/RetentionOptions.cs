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
    [SettingRange(DaysSetting, 1, 3650)]
    public int Days { get; set; } = 30;

    /// <summary>Six-field cron of the retention run, as the Functions timer trigger reads it. Default: daily at 02:30 UTC.</summary>
    public string Schedule { get; set; } = "0 30 2 * * *";

    /// <summary>
    /// How long one run takes new entries; it then stops and the next run continues. Default 4 minutes, under the
    /// 5-minute <c>functionTimeout</c> in host.json.
    /// </summary>
    public TimeSpan RunBudget { get; set; } = TimeSpan.FromMinutes(4);

    public TimeSpan Period => TimeSpan.FromDays(Days);

    internal static void Bind(RetentionOptions options, IConfiguration configuration)
    {
        options.Days = SettingValue.WholeNumber(configuration, DaysSetting, options.Days);
        options.Schedule = SettingValue.Cron(configuration, ScheduleSetting, options.Schedule);
    }
}

[OptionsValidator]
internal sealed partial class RetentionOptionsValidator : IValidateOptions<RetentionOptions>;
