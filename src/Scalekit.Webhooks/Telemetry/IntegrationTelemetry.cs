using System.Diagnostics;
using System.Diagnostics.Metrics;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;

namespace Scalekit.Webhooks.Telemetry;

/// <summary>
/// Health metrics of each integration, tagged with the integration (billing, hr, crm), the kind of work (an event, a
/// scheduled run, an account update) and its outcome (success, failure, deferred). The Bicep alert on repeated CRM
/// failures reads <see cref="RunsName"/>.
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

    /// <summary>A billing (Stripe) or HR event reached a final status or failed an attempt; Scalekit events are not an integration.</summary>
    internal static void RecordEvent(WebhookSource source, ProcessingStatus status, TimeSpan duration)
    {
        var integration = EventSources.Of(source).Integration;
        if (integration is not null && (status.IsFinal() || status == ProcessingStatus.Failed))
        {
            Record(integration, "event", status is ProcessingStatus.Failed or ProcessingStatus.Parked ? CrmSyncStore.Failure : CrmSyncStore.Success, duration.TotalMilliseconds, null);
        }
    }

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
