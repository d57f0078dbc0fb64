using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime;
using System.Text.Json;
using Azure.Storage.Queues;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Testing;
using Scalekit.Webhooks.Scalekit;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>
/// Sends N signed deliveries at concurrency C to the local host and, in the same run, the same envelopes straight to
/// Azurite with Azure.Storage.Queues at the same concurrency; reports both and their ratios.
/// Targets (issue 15): throughput ≥ 0.95× the raw send, p99 ≤ 1.1× the raw p99.
/// </summary>
public static class IngestBenchmark
{
    private const int Rounds = 20;

    // A trickle of tier-ups (rarely called code) goes on for minutes; a batch that compiles fewer methods is steady enough.
    private const int SettledCompilations = 5;

    private const int MaxWarmUpBatches = 30;

    /// <param name="count">Deliveries per concurrency, per side.</param>
    /// <param name="concurrencies">How many sends are in flight at once, one run each.</param>
    /// <param name="output">Where the tables go.</param>
    /// <param name="pin">Azurite on CPU 0 and this process on the others (<see cref="BenchmarkHost.StartAsync"/>).</param>
    /// <param name="httpClientSender">
    /// Send the deliveries with HttpClient (a request message and headers built per send) instead of prepared bytes on
    /// kept-alive connections: shows how much of the gap was the sender's own work in this shared process.
    /// </param>
    /// <param name="only">
    /// <c>host</c>, <c>raw</c> or <c>hop-send</c>: after the warm-up, time only that side (no ratios), so a profiler attached then sees one
    /// side's work alone.
    /// </param>
    public static async Task<bool> RunAsync(int count, IReadOnlyList<int> concurrencies, TextWriter output, bool pin = false, bool httpClientSender = false, string? only = null)
    {
        await using var bench = await BenchmarkHost.StartAsync(pin: pin);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = bench.BaseAddress };
        var raw = bench.Clients.Queue("bench-raw-sends");
        await raw.CreateIfNotExistsAsync();
        var queue = bench.Clients.Queue(StorageNames.QueueFor(ScalekitSource.Id));
        var hopSends = bench.Clients.Queue(BenchmarkHost.HopSendQueue);
        await hopSends.CreateIfNotExistsAsync();
        await SameAnswersAsHttpClientAsync(bench, http, output);
        await queue.ClearMessagesAsync();
        await output.WriteLineAsync($"ingest benchmark: {count} deliveries per run, ~1 KB Scalekit events, Azurite {bench.Storage.ConnectionString.Split(';').First(p => p.StartsWith("QueueEndpoint", StringComparison.Ordinal))}, {bench.Pinning}");
        await output.WriteLineAsync(httpClientSender
            ? "sender: HttpClient, a request message and its headers built per send"
            : "sender: one persistent HTTP/1.1 connection per concurrent sender, request bytes built beforehand (a load generator, as wrk)");
        await output.WriteLineAsync("| C | raw msg/s | host msg/s | ratio | raw p50/p95/p99 ms | host p50/p95/p99 ms | p99 ratio | target | inside the host p50 ms | HTTP hop alone p50 ms | POST hop alone p50 ms | POST hop + raw send msg/s | host ÷ hop + send | warm-up sends per side | methods JIT-compiled while timed |");
        await output.WriteLineAsync("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        var allMet = true;
        var costs = new List<string>();
        using var hostSide = new IngestDurations();
        var hostOps = new OperationTally();
        var health = PreparedHttpConnection.Get(bench.BaseAddress, "/api/health");
        foreach (var concurrency in concurrencies)
        {
            var bodies = Enumerable.Range(0, count).Select(_ => JsonSerializer.SerializeToUtf8Bytes(ScalekitSamples.Create("organization.updated",
                new SampleOptions { OccurredAt = TimeProvider.System.GetUtcNow(), EventId = SampleIds.New("evt_") }))).ToArray();
            // Both sides get their bytes ready beforehand: only the send itself is timed.
            var envelopes = bodies.Select(Envelope).ToArray();
            var now = TimeProvider.System.GetUtcNow();
            var signed = bodies.Select(body => (Body: body, Headers: WebhookSigner.SignScalekit(body, bench.ScalekitSecret, SampleIds.New("msg_"), now))).ToArray();
            var requests = signed.Select(delivery => PreparedHttpConnection.Post(bench.BaseAddress, Path, delivery.Body, delivery.Headers)).ToArray();
            var echoes = signed.Select(delivery => PreparedHttpConnection.Post(bench.BaseAddress, BenchmarkHost.EchoPath, delivery.Body, delivery.Headers)).ToArray();
            var echoSends = signed.Select(delivery => PreparedHttpConnection.Post(bench.BaseAddress, BenchmarkHost.EchoSendPath, delivery.Body, delivery.Headers)).ToArray();
            var connections = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => PreparedHttpConnection.OpenAsync(bench.BaseAddress)));
            var warmUp = Math.Min(100, count);
            var rawPhase = new Phase((_, i) => raw.SendMessageAsync(BinaryData.FromBytes(envelopes[i]), visibilityTimeout: null, timeToLive: TimeSpan.FromSeconds(-1)), raw, concurrency);
            Func<int, int, Task> deliver = httpClientSender
                ? (_, i) => PostAsync(http, signed[i].Body, signed[i].Headers)
                : (worker, i) => ExpectAsync(connections[worker], requests[i], 201);
            var hostPhase = new Phase(deliver, queue, concurrency, bench.Operations, hostOps);

            // For reading the gap only: the loopback HTTP round trip alone, to a route that touches no storage.
            Func<int, int, Task> hop = httpClientSender
                ? (_, _) => GetHealthAsync(http)
                : (worker, _) => ExpectAsync(connections[worker], health, 200);
            var hopPhase = new Phase(hop, target: null, concurrency);

            // The same request bytes to a route that reads them and answers 201 without ingesting: HTTP's share of a delivery.
            var postHopPhase = new Phase((worker, i) => ExpectAsync(connections[worker], echoes[i], 201), target: null, concurrency);

            // The same request to a route that sends the envelope raw and answers: the HTTP hop and the queue send
            // together, so what a delivery costs beyond it is the product's own request handling.
            var hopSendPhase = new Phase((worker, i) => ExpectAsync(connections[worker], echoSends[i], 201), hopSends, concurrency);
            // At most as many warm-up sends as timed ones, so a short run stays short.
            var warmUpSends = await WarmUpAsync([rawPhase, hostPhase, hopPhase, postHopPhase, hopSendPhase], warmUp, Math.Clamp(count / warmUp, 1, MaxWarmUpBatches));
            hostSide.Clear();
            var compiledBefore = JitInfo.GetCompiledMethodCount();
            if (only is not null)
            {
                var side = only switch { "raw" => rawPhase, "hop-send" => hopSendPhase, _ => hostPhase };
                await output.WriteLineAsync($"timing only the {only} side: {count} sends at C = {concurrency}, process {Environment.ProcessId}");
                await side.MeasureAsync(0, count);
                await output.WriteLineAsync(side.CostRow($"{only}, C = {concurrency}") + string.Create(CultureInfo.InvariantCulture, $" {side.Stats().PerSecond:F0} msg/s"));
                foreach (var connection in connections)
                {
                    await connection.DisposeAsync();
                }

                continue;
            }

            // Twenty short rounds rather than four long ones: on a shared machine the load moves within seconds.
            await AlternatingRounds.RunAsync(count, [rawPhase.MeasureAsync, hostPhase.MeasureAsync, hopPhase.MeasureAsync, postHopPhase.MeasureAsync, hopSendPhase.MeasureAsync], Rounds);
            var compiledWhileTimed = JitInfo.GetCompiledMethodCount() - compiledBefore;

            var rawStats = rawPhase.Stats();
            var hostStats = hostPhase.Stats();
            var hopStats = hopPhase.Stats();
            var postHopStats = postHopPhase.Stats();
            var hopSendStats = hopSendPhase.Stats();
            var hostSideStats = hostSide.Stats();
            var ratio = hostStats.PerSecond / rawStats.PerSecond;
            var p99Ratio = hostStats.P99 / rawStats.P99;
            var met = ratio >= 0.95 && p99Ratio <= 1.1;
            allMet &= met;
            costs.Add(rawPhase.CostRow($"raw send, C = {concurrency}"));
            costs.Add(hostPhase.CostRow($"host delivery, C = {concurrency}"));
            costs.Add(hopPhase.CostRow($"HTTP hop alone, C = {concurrency}"));
            costs.Add(postHopPhase.CostRow($"POST hop alone, C = {concurrency}"));
            costs.Add(hopSendPhase.CostRow($"POST hop + raw send, C = {concurrency}"));
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"| {concurrency} | {rawStats.PerSecond:F0} | {hostStats.PerSecond:F0} | {ratio:F2} | {rawStats.P50:F1}/{rawStats.P95:F1}/{rawStats.P99:F1} | {hostStats.P50:F1}/{hostStats.P95:F1}/{hostStats.P99:F1} | {p99Ratio:F2} | {(met ? "met" : "missed")} | {hostSideStats.P50:F2} | {hopStats.P50:F2} | {postHopStats.P50:F2} | {hopSendStats.PerSecond:F0} | {hostStats.PerSecond / hopSendStats.PerSecond:F2} | {warmUpSends} | {compiledWhileTimed} |"));
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync("per send in this process (sender, host and SDK together; Azurite is another process)");
        await output.WriteLineAsync("| side | CPU µs | allocated KB | thread-pool work items |");
        await output.WriteLineAsync("|---|---:|---:|---:|");
        foreach (var row in costs)
        {
            await output.WriteLineAsync(row);
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync("storage operations per delivery inside the host (every request its storage clients sent, retries included)");
        await output.WriteLineAsync("| loop | deliveries | ops/delivery | by kind |");
        await output.WriteLineAsync("|---|---:|---:|---|");
        await output.WriteLineAsync(hostOps.Row("host: verify, envelope, queue send"));
        return allMet;
    }

    /// <summary>
    /// Warms every side up in batches until a batch (with a pause for the runtime's background tier-up) compiles fewer
    /// than <see cref="SettledCompilations"/> methods, at most <paramref name="maxBatches"/> batches: until then the JIT takes CPU from whichever side runs new
    /// code, and the host runs far more code than a raw send. Returns the sends per side.
    /// </summary>
    private static async Task<int> WarmUpAsync(IReadOnlyList<Phase> phases, int batch, int maxBatches)
    {
        for (var batches = 1; ; batches++)
        {
            var compiled = JitInfo.GetCompiledMethodCount();
            foreach (var phase in phases)
            {
                await phase.WarmUpAsync(batch);
            }

            // Tier-1 compilation starts after calls have been counted for a while (100 ms by default) and runs in the background.
            await Task.Delay(TimeSpan.FromMilliseconds(250));
            if (JitInfo.GetCompiledMethodCount() - compiled < SettledCompilations || batches == maxBatches)
            {
                return batches * batch;
            }
        }
    }

    /// <summary>One side's sends, with latencies and busy time summed over its rounds.</summary>
    private sealed class Phase(Func<int, int, Task> send, QueueClient? target, int concurrency, StorageOperationCounters? operations = null, OperationTally? tally = null)
    {
        private readonly ConcurrentBag<double> _latencies = [];
        private TimeSpan _elapsed;
        private ProcessCost _cost;
        private int _measured;

        public async Task WarmUpAsync(int count)
        {
            await MeasureAsync(0, count);
            _latencies.Clear();
            _elapsed = TimeSpan.Zero;
            _cost = default;
            _measured = 0;
        }

        /// <summary>Sends items [from, to) at the given concurrency, then empties the queue for the next round.</summary>
        public async Task MeasureAsync(int from, int to)
        {
            operations?.Take();
            var before = ProcessCost.Now();
            var clock = Stopwatch.StartNew();
            await Concurrently.ForEachIndexAsync(from, to, concurrency, async (worker, index) =>
            {
                var started = Stopwatch.GetTimestamp();
                await send(worker, index);
                _latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            });
            _elapsed += clock.Elapsed;
            _cost += ProcessCost.Now() - before;
            _measured += to - from;
            if (operations is not null)
            {
                tally?.Add(to - from, operations.Take());
            }

            if (target is not null)
            {
                await target.ClearMessagesAsync();
            }
        }

        public LatencyStats Stats() => LatencyStats.From([.. _latencies], _elapsed);

        /// <summary>This process's CPU time, allocations and thread-pool work items per send, sender and host together.</summary>
        public string CostRow(string name) => string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {_cost.Cpu.TotalMicroseconds / _measured:F0} | {_cost.AllocatedBytes / 1024.0 / _measured:F1} | {_cost.WorkItems / (double)_measured:F1} |");
    }

    private const string Path = "/api/webhooks/scalekit";

    /// <summary>A signed delivery as HttpClient sends it: the JSON body with its signature headers.</summary>
    private static HttpRequestMessage Delivery(byte[] body, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    private static async Task PostAsync(HttpClient http, byte[] body, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        using var request = Delivery(body, headers);
        using var response = await http.SendAsync(request);
        if ((int)response.StatusCode != 201)
        {
            throw new InvalidOperationException($"The host answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static async Task GetHealthAsync(HttpClient http)
    {
        using var response = await http.GetAsync(new Uri("/api/health", UriKind.Relative));
        response.EnsureSuccessStatusCode();
    }

    private static async Task ExpectAsync(PreparedHttpConnection connection, byte[] request, int status)
    {
        var answer = await connection.SendAsync(request);
        if (answer.StatusCode != status)
        {
            throw new InvalidOperationException($"The host answered {answer.StatusCode}, not {status}: {answer.BodyText}");
        }
    }

    /// <summary>
    /// The benchmark's sender is not the product: before timing anything, one accepted and one refused delivery show
    /// it gets the very answers HttpClient gets (the integration tests hold both to this too).
    /// </summary>
    private static async Task SameAnswersAsHttpClientAsync(BenchmarkHost bench, HttpClient http, TextWriter output)
    {
        await using var connection = await PreparedHttpConnection.OpenAsync(bench.BaseAddress);
        var body = JsonSerializer.SerializeToUtf8Bytes(ScalekitSamples.Create("organization.updated", new SampleOptions { OccurredAt = TimeProvider.System.GetUtcNow(), EventId = "evt_sender_check" }));
        var headers = WebhookSigner.SignScalekit(body, bench.ScalekitSecret, "msg_sender_check", TimeProvider.System.GetUtcNow());
        var wrongSecret = WebhookSigner.SignScalekit(body, WebhookSigner.NewScalekitSecret(), "msg_sender_check", TimeProvider.System.GetUtcNow());
        foreach (var (name, signed) in new[] { ("accepted", headers), ("refused", wrongSecret) })
        {
            using var request = Delivery(body, signed);
            using var expected = await http.SendAsync(request);
            var expectedBody = await expected.Content.ReadAsStringAsync();
            var answer = await connection.SendAsync(PreparedHttpConnection.Post(bench.BaseAddress, Path, body, signed));
            if (answer.StatusCode != (int)expected.StatusCode || answer.BodyText != expectedBody)
            {
                throw new InvalidOperationException($"The benchmark's sender got {answer.StatusCode} {answer.BodyText} where HttpClient got {(int)expected.StatusCode} {expectedBody} ({name} delivery).");
            }
        }

        await output.WriteLineAsync("sender check: the benchmark's sender and HttpClient got the same 201 and 401 answers");
    }

    /// <summary>The envelope the ingest path would store for this body, so both sides send the same bytes.</summary>
    private static byte[] Envelope(byte[] body) => EnvelopeCodec.Encode(new EventEnvelope
    {
        Source = ScalekitSource.Id,
        DeliveryId = "msg_raw",
        EventId = "evt_raw",
        EventType = "organization.updated",
        ReceivedAt = DateTimeOffset.UnixEpoch,
        InlinePayload = body,
    });
}
