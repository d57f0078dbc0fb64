using System.IO.Compression;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Scalekit.Webhooks.Telemetry;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Scalekit.Webhooks.IntegrationTests.Telemetry;

/// <summary>
/// With an Application Insights connection string the worker sends its traces and metrics, and no logs: the Functions
/// host forwards the worker's logs itself, so a log exporter here would store each one twice.
/// </summary>
public sealed partial class TelemetryExportTests : IDisposable
{
    private readonly WireMockServer ingestion = WireMockServer.Start();

    [Fact]
    public void ApplicationInsights_ReceivesTracesAndMetrics_ButNoLogs()
    {
        ingestion.Given(Request.Create().WithPath("/v2.1/track").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { itemsReceived = 0, itemsAccepted = 0, errors = Array.Empty<object>() }));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = $"InstrumentationKey={Guid.NewGuid()};IngestionEndpoint={ingestion.Url}/",
        }).Build();
        var services = new ServiceCollection().AddLogging(logging => logging.SetMinimumLevel(LogLevel.Information));
        services.AddScalekitTelemetry(configuration);

        var sent = "";
        using (var provider = services.BuildServiceProvider())
        {
            var tracer = provider.GetRequiredService<TracerProvider>();
            var meter = provider.GetRequiredService<MeterProvider>();
            LogProbe(provider.GetRequiredService<ILoggerFactory>().CreateLogger("Scalekit.Functions.Test"));

            // The exporter samples traces at a limited rate and tests running beside this one use the same activity
            // source, so one probe may be sampled out: probe until one arrives. The stand-in also records a request
            // only after answering it.
            for (var attempt = 0; attempt < 50 && !(sent.Contains("telemetry-export-probe", StringComparison.Ordinal) && sent.Contains("scalekit_functions.ingest.requests", StringComparison.Ordinal)); attempt++)
            {
                using (PipelineTelemetry.Traces.StartActivity("telemetry-export-probe"))
                {
                    PipelineTelemetry.IngestRequests.Add(1, new KeyValuePair<string, object?>("source", "probe"));
                }

                tracer.ForceFlush();
                meter.ForceFlush();
                Thread.Sleep(200);
                sent = Sent();
            }
        }

        sent = Sent();
        Assert.Contains("telemetry-export-probe", sent, StringComparison.Ordinal);
        Assert.Contains("scalekit_functions.ingest.requests", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("MessageData", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("log line", sent, StringComparison.Ordinal);
    }

    [Fact]
    public void Registration_AddsNoLoggerProvider()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = $"InstrumentationKey={Guid.NewGuid()};IngestionEndpoint={ingestion.Url}/",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = ingestion.Url,
            ["TELEMETRY_CONSOLE"] = "true",
        }).Build();
        var services = new ServiceCollection().AddScalekitTelemetry(configuration);
        Assert.DoesNotContain(services, descriptor => descriptor.ServiceType == typeof(ILoggerProvider));
    }

    public void Dispose() => ingestion.Dispose();

    private string Sent() => string.Join("\n", ingestion.LogEntries.Select(entry => Body(entry.RequestMessage.BodyAsBytes)));

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "telemetry-export-probe log line")]
    private static partial void LogProbe(ILogger logger);

    // The exporter may gzip its batches.
    private static string Body(byte[]? bytes)
    {
        if (bytes is null)
        {
            return "";
        }

        if (bytes.Length > 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var text = new StreamReader(gzip, Encoding.UTF8);
            return text.ReadToEnd();
        }

        return Encoding.UTF8.GetString(bytes);
    }
}
