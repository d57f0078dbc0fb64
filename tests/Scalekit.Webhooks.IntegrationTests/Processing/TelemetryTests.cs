using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json.Nodes;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Telemetry;

namespace Scalekit.Webhooks.IntegrationTests.Processing;

public class TelemetryTests(ConsumingHostFixture host) : IClassFixture<ConsumingHostFixture>
{
    [Fact]
    public async Task IngestAndProcessing_EmitTracesAndMetricsTaggedWithTheEvent()
    {
        var activities = new ConcurrentBag<Activity>();
        var measurements = new ConcurrentBag<(string Instrument, Dictionary<string, object?> Tags)>();
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PipelineTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Add,
        };
        ActivitySource.AddActivityListener(activityListener);
        using var meterListener = new MeterListener();
        meterListener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PipelineTelemetry.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meterListener.SetMeasurementEventCallback<long>((instrument, _, tags, _) => measurements.Add((instrument.Name, Tags(tags))));
        meterListener.SetMeasurementEventCallback<double>((instrument, _, tags, _) => measurements.Add((instrument.Name, Tags(tags))));
        meterListener.Start();

        var type = "test.telemetry_" + Guid.NewGuid().ToString("N")[..8];
        var eventId = SampleIds.New("evt_");
        var body = new JsonObject { ["id"] = eventId, ["type"] = type, ["occurred_at"] = "2026-11-24T05:00:00Z", ["data"] = new JsonObject() }.ToJsonString();
        using (var response = await host.Client.PostAsync("scalekit", body, Deliveries.SignScalekit(body, host.ScalekitSecret, webhookId: "msg_telemetry")))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        await ScalekitProcessingTests.Eventually(() => Task.FromResult(activities.Any(a => a.OperationName == "event.process" && Equals(a.GetTagItem("webhook.event_id"), eventId))));

        var ingest = Assert.Single(activities, a => a.OperationName == "webhook.ingest" && Equals(a.GetTagItem("webhook.event_id"), eventId));
        Assert.Equal("accepted", ingest.GetTagItem("webhook.result"));
        Assert.Equal("msg_telemetry", ingest.GetTagItem("webhook.delivery_id"));
        var process = Assert.Single(activities, a => a.OperationName == "event.process" && Equals(a.GetTagItem("webhook.event_id"), eventId));
        Assert.Equal("ignored", process.GetTagItem("webhook.status"));
        Assert.Contains(measurements, m => m.Instrument == "scalekit_functions.events.processed" && Equals(m.Tags["type"], type) && Equals(m.Tags["status"], "ignored"));
        Assert.Contains(measurements, m => m.Instrument == "scalekit_functions.events.latency" && Equals(m.Tags["type"], type));
        Assert.Contains(measurements, m => m.Instrument == "scalekit_functions.ingest.duration" && Equals(m.Tags["result"], "accepted"));
        Assert.DoesNotContain(measurements, m => m.Tags.ContainsValue(eventId));
    }

    private static Dictionary<string, object?> Tags(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var result = new Dictionary<string, object?>();
        foreach (var (key, value) in tags)
        {
            result[key] = value;
        }

        return result;
    }
}
