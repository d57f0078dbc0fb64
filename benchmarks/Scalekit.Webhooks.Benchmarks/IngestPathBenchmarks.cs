using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Http;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Telemetry;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>
/// The CPU work of one ~1 KB Scalekit delivery without the network: the storage clients answer from memory (an
/// <see cref="HttpMessageHandler"/> that returns Put Message's 201), so what is measured is the host's own work
/// (read, verify, parse, envelope, encode, telemetry, the SDK call) against the SDK call alone with the same bytes.
/// </summary>
[MemoryDiagnoser]
public class IngestPathBenchmarks
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private ServiceProvider _services = null!;
    private QueueClient _raw = null!;
    private WebhookIngestor _ingestor = null!;
    private WebhookRequestHandler _handler = null!;
    private byte[] _body = [];
    private byte[] _envelope = [];
    private WebhookHeaders _headers = null!;
    private IReadOnlyList<KeyValuePair<string, string>> _signature = [];
    private EventEnvelope _envelopeValue = null!;

    /// <summary>Whether OpenTelemetry's tracer and meter providers listen, as they do when an exporter is configured.</summary>
    [Params(false, true)]
    public bool Telemetry { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var secret = WebhookSigner.NewScalekitSecret();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["SCALEKIT_WEBHOOK_SECRET"] = secret,
        }).Build();
        var services = new ServiceCollection().AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddScalekitWebhooks(configuration);
        services.AddWebhookHttpHandlers();
        if (Telemetry)
        {
            services.AddOpenTelemetry()
                .WithTracing(tracing => tracing.AddSource(PipelineTelemetry.Name))
                .WithMetrics(metrics => metrics.AddMeter(PipelineTelemetry.Name));
        }

        services.RemoveAll<StorageClients>();
        services.AddSingleton(InMemoryClients());
        services.RemoveAll<TimeProvider>();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(Now));
        _services = services.BuildServiceProvider();
        if (Telemetry)
        {
            _ = _services.GetRequiredService<TracerProvider>();
            _ = _services.GetRequiredService<MeterProvider>();
        }

        _ingestor = _services.GetRequiredService<WebhookIngestor>();
        _handler = _services.GetRequiredService<WebhookRequestHandler>();
        _raw = _services.GetRequiredService<StorageClients>().Queue("bench-raw-sends");
        _body = JsonSerializer.SerializeToUtf8Bytes(ScalekitSamples.Create("organization.updated", new SampleOptions { OccurredAt = Now, EventId = "evt_bench" }));
        _signature = WebhookSigner.SignScalekit(_body, secret, "msg_bench", Now);
        _headers = WebhookHeaders.FromPairs(_signature);
        _envelopeValue = new EventEnvelope
        {
            Source = ScalekitSource.Id,
            DeliveryId = "msg_bench",
            EventId = "evt_bench",
            EventType = "organization.updated",
            ReceivedAt = Now,
            InlinePayload = _body,
        };
        _envelope = EnvelopeCodec.Encode(_envelopeValue);
        if (Ingest().GetAwaiter().GetResult() != IngestOutcome.Accepted || Handle().GetAwaiter().GetResult() != 201)
        {
            throw new InvalidOperationException("The benchmark's delivery was not accepted.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Baseline = true, Description = "raw SendMessageAsync, same bytes")]
    public async Task<string> RawSend() => (await _raw.SendMessageAsync(BinaryData.FromBytes(_envelope), visibilityTimeout: null, timeToLive: TimeSpan.FromSeconds(-1))).Value.MessageId;

    [Benchmark(Description = "EnvelopeCodec.Encode")]
    public int Encode() => EnvelopeCodec.Encode(_envelopeValue).Length;

    [Benchmark(Description = "WebhookIngestor.IngestAsync")]
    public async Task<IngestOutcome> Ingest() => (await _ingestor.IngestAsync(ScalekitSource.Id, new MemoryStream(_body, writable: false), _body.Length, _headers)).Outcome;

    [Benchmark(Description = "WebhookRequestHandler.HandleAsync")]
    public async Task<int> Handle()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.ContentType = "application/json";
        context.Request.ContentLength = _body.Length;
        context.Request.Body = new MemoryStream(_body, writable: false);
        foreach (var (name, value) in _signature)
        {
            context.Request.Headers[name] = value;
        }

        context.Response.Body = Stream.Null;
        await _handler.HandleAsync(context, ScalekitSource.Id.Name);
        return context.Response.StatusCode;
    }

    private static StorageClients InMemoryClients()
    {
        var transport = new HttpClientTransport(new HttpClient(new PutMessageAnswer()));
        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64, Transport = transport };
        const string Connection = "UseDevelopmentStorage=true";
        return new StorageClients(
            new QueueServiceClient(Connection, queueOptions),
            new BlobServiceClient(Connection, new BlobClientOptions { Transport = transport }),
            new TableServiceClient(Connection, new TableClientOptions { Transport = transport }));
    }

    /// <summary>Answers every request as Azurite answers Put Message.</summary>
    private sealed class PutMessageAnswer : HttpMessageHandler
    {
        private static readonly byte[] Body = Encoding.UTF8.GetBytes(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><QueueMessagesList><QueueMessage><MessageId>5f1e8d1a-3b4f-4c2a-9f55-2d8f0d8b7c11</MessageId>" +
            "<InsertionTime>Thu, 26 Nov 2026 06:00:00 GMT</InsertionTime><ExpirationTime>Fri, 31 Dec 9999 23:59:59 GMT</ExpirationTime>" +
            "<PopReceipt>MjZOb3YyMDI2MDY6MDA6MDA=</PopReceipt><TimeNextVisible>Thu, 26 Nov 2026 06:00:00 GMT</TimeNextVisible></QueueMessage></QueueMessagesList>");

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content is not null)
            {
                await request.Content.CopyToAsync(Stream.Null, cancellationToken);
            }

            var response = new HttpResponseMessage(HttpStatusCode.Created) { Content = new ByteArrayContent(Body), RequestMessage = request };
            response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
            response.Headers.Add("x-ms-request-id", "00000000-0000-0000-0000-000000000000");
            response.Headers.Add("x-ms-version", "2026-02-06");
            return response;
        }
    }
}
