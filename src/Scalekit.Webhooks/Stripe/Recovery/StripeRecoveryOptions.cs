using Microsoft.Extensions.Configuration;

namespace Scalekit.Webhooks.Stripe.Recovery;

/// <summary>When the scheduled recovery of missed Stripe events runs. The runs started by hand need only Stripe API access.</summary>
public sealed class StripeRecoveryOptions
{
    public const string ScheduleSetting = "STRIPE_RECONCILE_SCHEDULE";

    /// <summary>
    /// The Functions host's switch for the scheduled run's function. Azure needs a valid cron in
    /// <see cref="ScheduleSetting"/> even when the run is off, so the deployment turns it off here and the worker agrees.
    /// </summary>
    public const string FunctionDisabledSetting = "AzureWebJobs.StripeReconcileSchedule.Disabled";

    /// <summary>How long the scheduled run may take to record and queue its run; the queue works the pages.</summary>
    public static readonly TimeSpan StartBudget = TimeSpan.FromMinutes(1);

    /// <summary>How far back a scheduled run lists events.</summary>
    public static readonly TimeSpan ScheduledWindow = TimeSpan.FromDays(3);

    /// <summary>Six-field cron of the scheduled run; null (the default, or <c>off</c>) when there is none.</summary>
    public string? Schedule { get; set; }

    /// <summary>Why the schedule is off although it is set; null when it is valid or absent.</summary>
    public string? Problem { get; set; }

    internal static void Bind(StripeRecoveryOptions options, IConfiguration configuration)
    {
        var (schedule, problem) = ScheduleOf(configuration);
        options.Schedule = schedule;
        options.Problem = problem;
    }

    /// <summary>
    /// The schedule in <paramref name="configuration"/>, or null with why when it is absent, <c>off</c>, or not six
    /// fields of cron characters. A broken schedule turns off only the scheduled run.
    /// </summary>
    public static (string? Schedule, string? Problem) ScheduleOf(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[ScheduleSetting]?.Trim();
        if (string.IsNullOrEmpty(value) || string.Equals(value, "off", StringComparison.OrdinalIgnoreCase)
            || string.Equals(configuration[FunctionDisabledSetting]?.Trim(), "true", StringComparison.OrdinalIgnoreCase))
        {
            return (null, null);
        }

        var fields = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length == 6 && fields.All(field => field.All(c => char.IsAsciiDigit(c) || c is '*' or ',' or '-' or '/'))
            ? (string.Join(' ', fields), null)
            : (null, $"The scheduled Stripe event recovery is off: {ScheduleSetting} must be a six-field cron expression (second minute hour day month day-of-week) or 'off'.");
    }
}
