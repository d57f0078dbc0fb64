using System.Diagnostics;
using System.Diagnostics.Metrics;
using Scalekit.Webhooks.Crm;

namespace Scalekit.Webhooks.Telemetry;

/// <summary>
/// Metrics of the integrations that run on their own (the CRM sync's scheduled runs and account updates), tagged with
/// the integration, the kind of work and its outcome. The Bicep alert on repeated CRM failures reads
/// <see cref="RunsName"/>. Billing and HR work is counted per event by <see cref="PipelineTelemetry.EventsProcessed"/>.
/// </summary>
public static class IntegrationTelemetry
{
    public const string RunsName = "scalekit_functions.integration.runs";

    private static readonly Meter Meter = new(PipelineTelemetry.Name);

    /// <summary>Runs and updates, by integration, kind and outcome (success, failure, deferred).</summary>
    public static readonly Counter<long> Runs = Meter.CreateCounter<long>(RunsName, "{run}", "Integration runs and updates, by outcome");

    /// <summary>Time one run or update took, by integration, kind and outcome.</summary>
    public static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("scalekit_functions.integration.duration", "ms", "Time an integration run or update took");

    /// <summary>Share of the external API's allocation used, as its last answer reported it.</summary>
    public static readonly Gauge<double> ApiUsage = Meter.CreateGauge<double>("scalekit_functions.integration.api_usage", "%", "Share of the integration's API allocation used");

    internal static void Record(string integration, string kind, string outcome, double durationMs, ApiUsage? usage)
    {
        var tags = new TagList { { "integration", integration }, { "kind", kind }, { "outcome", outcome } };
        Runs.Add(1, tags);
        Duration.Record(durationMs, tags);
        if (usage is not null)
        {
            ApiUsage.Record(Math.Round(usage.Percent, 2), new KeyValuePair<string, object?>("integration", integration));
        }
    }
}
