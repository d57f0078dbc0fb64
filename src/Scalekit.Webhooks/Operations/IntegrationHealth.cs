namespace Scalekit.Webhooks.Operations;

/// <summary>
/// One downstream integration (billing, HR, CRM) that reports its health to the stats endpoint. Register an
/// implementation in the service collection and the stats endpoint and the console show it; nothing else changes.
/// </summary>
public interface IIntegrationHealth
{
    Task<IntegrationHealthReport> ReadAsync(DateTimeOffset since, CancellationToken cancellationToken = default);
}

/// <summary>How an integration fared since the start of the stats window.</summary>
/// <param name="Name">Short name shown to operators (billing, hr, crm).</param>
/// <param name="Mode">live, dry-run or off (not configured).</param>
/// <param name="Successes">Completed syncs in the window.</param>
/// <param name="Failures">Failed or parked syncs in the window.</param>
/// <param name="LastSuccessAt">When the latest success completed.</param>
/// <param name="LastFailureAt">When the latest failure happened.</param>
/// <param name="LastError">What the latest failure said.</param>
/// <param name="AverageDurationMs">Mean duration of a successful attempt.</param>
/// <param name="LastRunAt">When the integration last ran (a deferred run counts); by default the latest success or failure.</param>
/// <param name="ApiUsage">Share of the external API's allocation used, where the API reports it (Salesforce).</param>
public sealed record IntegrationHealthReport(
    string Name,
    string Mode,
    int Successes,
    int Failures,
    DateTimeOffset? LastSuccessAt,
    DateTimeOffset? LastFailureAt,
    string? LastError,
    double? AverageDurationMs,
    DateTimeOffset? LastRunAt = null,
    Crm.ApiUsage? ApiUsage = null)
{
    /// <summary>idle (nothing happened), ok, degraded (some failures) or failing (the latest attempt failed).</summary>
    public string Status => (Successes, Failures) switch
    {
        (0, 0) => "idle",
        (_, 0) => "ok",
        _ when LastFailureAt > (LastSuccessAt ?? DateTimeOffset.MinValue) => "failing",
        _ => "degraded",
    };

    /// <summary>Counts of the integration's own (onboarding: started, completed, failed, in_progress), when it has any.</summary>
    public IReadOnlyDictionary<string, int>? Counts { get; init; }

    /// <summary>Why the integration is off (the missing or broken setting, named); null while it runs.</summary>
    public string? OffReason { get; init; }

    /// <summary>The webhook source whose events and dead letters belong to this integration, when it has one.</summary>
    public string? Source { get; init; }

    /// <summary>Configuration that gives one item to two writers: what the integration runs without, naming both settings.</summary>
    public IReadOnlyList<string>? ConfigurationProblems { get; init; }

    public IntegrationView ToView() => new(
        Name,
        Status,
        Mode,
        Successes,
        Failures,
        LastSuccessAt,
        LastFailureAt,
        LastError,
        AverageDurationMs,
        Counts,
        LastRunAt ?? (LastFailureAt > LastSuccessAt || LastSuccessAt is null ? LastFailureAt : LastSuccessAt),
        ApiUsage is null ? null : new ApiUsageView(ApiUsage.Used, ApiUsage.Allocated, Math.Round(ApiUsage.Percent, 1)),
        ConfigurationProblems is { Count: > 0 } problems ? problems : null,
        OffReason ?? (Mode == "off" ? LastError : null),
        Source);
}
