using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Hosting.Local;
using Scalekit.Webhooks.Privacy;

namespace Scalekit.Webhooks.Tests.Hosting;

public class CronScheduleTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 6, 2, 30, TimeSpan.Zero);

    [Theory]
    [InlineData("0 */5 * * * *", "2026-11-24T06:05:00Z")]
    [InlineData("* * * * * *", "2026-11-24T06:02:31Z")]
    [InlineData("*/10 * * * * *", "2026-11-24T06:02:40Z")]
    [InlineData("0 0 * * * *", "2026-11-24T07:00:00Z")]
    [InlineData("0 30 9 * * 1-5", "2026-11-24T09:30:00Z")]
    [InlineData("0 0 0 1 1 *", "2027-01-01T00:00:00Z")]
    [InlineData("15,45 * * * * *", "2026-11-24T06:02:45Z")]
    [InlineData("0 0 12 * * 0", "2026-11-29T12:00:00Z")]
    public void Next_FindsTheFollowingMatch(string expression, string expected)
    {
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), CronSchedule.Parse(expression).Next(At));
    }

    [Theory]
    [InlineData("* * * * *")]
    [InlineData("60 * * * * *")]
    [InlineData("a * * * * *")]
    [InlineData("*/0 * * * * *")]
    [InlineData("0 0 0 32 * *")]
    public void Parse_Invalid_ThrowsFormatException(string expression)
    {
        Assert.Throws<FormatException>(() => CronSchedule.Parse(expression));
    }

    [Theory]
    [InlineData("daily")]
    [InlineData("0 */5 * * *")]
    public void TimerSchedules_NotACronTheLocalHostCanRun_FailNamingTheSetting(string schedule)
    {
        var validator = new TimerScheduleValidator();

        var replay = validator.Validate(null, new DeadLetterOptions { Schedule = schedule });
        var retention = validator.Validate(null, new RetentionOptions { Schedule = schedule });

        Assert.StartsWith($"{DeadLetterOptions.ScheduleSetting} must be a six-field cron expression", replay.FailureMessage, StringComparison.Ordinal);
        Assert.StartsWith($"{RetentionOptions.ScheduleSetting} must be a six-field cron expression", retention.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void TimerSchedules_TheDefaults_Pass()
    {
        var validator = new TimerScheduleValidator();

        Assert.True(validator.Validate(null, new DeadLetterOptions()).Succeeded);
        Assert.True(validator.Validate(null, new RetentionOptions()).Succeeded);
    }
}
