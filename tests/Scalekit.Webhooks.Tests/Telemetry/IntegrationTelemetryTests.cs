using System.Diagnostics.Metrics;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Stripe;
using Scalekit.Webhooks.Telemetry;

namespace Scalekit.Webhooks.Tests.Telemetry;

public class IntegrationTelemetryTests
{
    [Theory]
    [InlineData(StripeSource.Name, ProcessingStatus.Processed, "billing", "success")]
    [InlineData(StripeSource.Name, ProcessingStatus.Parked, "billing", "failure")]
    [InlineData(HrSource.Name, ProcessingStatus.Failed, "hr", "failure")]
    [InlineData(HrSource.Name, ProcessingStatus.Ignored, "hr", "success")]
    public void BillingAndHrEvents_CountForTheirIntegration(string source, ProcessingStatus status, string integration, string outcome)
    {
        var runs = Listen(() => IntegrationTelemetry.RecordEvent(new WebhookSource(source), status, TimeSpan.FromMilliseconds(7)));

        var tags = Assert.Single(runs, r => r["integration"] as string == integration && r["kind"] as string == "event");
        Assert.Equal(outcome, tags["outcome"]);
    }

    [Fact]
    public void ScalekitEvents_AreNoIntegration()
    {
        var runs = Listen(() => IntegrationTelemetry.RecordEvent(ScalekitSource.Id, ProcessingStatus.Processed, TimeSpan.Zero));

        Assert.DoesNotContain(runs, r => r["kind"] as string == "event" && r["integration"] is not ("billing" or "hr"));
    }

    [Fact]
    public void CrmRun_RecordsItsOutcomeAndTheApiUsage()
    {
        double? usage = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "scalekit_functions.integration.api_usage")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => usage = value);
        listener.Start();

        var runs = Listen(() => IntegrationTelemetry.Record("crm", CrmSyncStore.ScheduledRun, CrmSyncStore.Deferred, 12, new ApiUsage(850, 1000)));

        Assert.Contains(runs, r => r["integration"] as string == "crm" && r["kind"] as string == "sync" && r["outcome"] as string == "deferred");
        Assert.Equal(85.0, usage);
    }

    /// <summary>The tags of every integration run counted while <paramref name="act"/> ran (other tests may add their own).</summary>
    private static List<Dictionary<string, object?>> Listen(Action act)
    {
        var runs = new List<Dictionary<string, object?>>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == IntegrationTelemetry.RunsName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var map = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                map[tag.Key] = tag.Value;
            }

            lock (runs)
            {
                runs.Add(map);
            }
        });
        listener.Start();
        act();
        lock (runs)
        {
            return [.. runs];
        }
    }
}
