using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Scalekit.Webhooks.Samples;

namespace Scalekit.Webhooks.Testing.Reliability;

/// <summary>What a hostile-input run saw.</summary>
public sealed record HostileInputReport(int Requests, IReadOnlyDictionary<int, int> ByStatus, int ServerErrors, int TransportErrors, TimeSpan Elapsed)
{
    public string Describe() =>
        $"{Requests} hostile requests in {Elapsed.TotalSeconds:F1} s; statuses: {string.Join(", ", ByStatus.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}; 5xx: {ServerErrors}; connection errors: {TransportErrors}";
}

/// <summary>
/// Sends malformed and hostile deliveries to a running receiver (loopback only): random bytes, oversized and slow bodies,
/// invalid UTF-8, deeply nested JSON, malformed and oversized headers, raw protocol abuse, valid signatures replayed
/// with an altered body or a stale timestamp, wrong methods and content types. None of them is a valid delivery, so
/// none may be stored; the caller checks the queues afterwards.
/// </summary>
public sealed class HostileInputRun(Uri baseAddress, string scalekitSecret, string stripeSecret, int seed = 20261124)
{
    private const int Kinds = 16;

    public async Task<HostileInputReport> RunAsync(int requests, int concurrency, CancellationToken cancellationToken = default)
    {
        if (!baseAddress.IsLoopback)
        {
            throw new InvalidOperationException("Hostile input is only ever sent to a loopback address.");
        }

        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30) }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var statuses = new ConcurrentDictionary<int, int>();
        var transportErrors = 0;
        var randoms = Enumerable.Range(0, concurrency).Select(worker => new Random(seed + worker)).ToArray();
        var clock = Stopwatch.StartNew();
        await Concurrently.ForEachIndexAsync(0, requests, concurrency, async (worker, index) =>
        {
            try
            {
                var status = await SendAsync(http, index % Kinds, randoms[worker], cancellationToken);
                statuses.AddOrUpdate(status, 1, (_, count) => count + 1);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or SocketException or TaskCanceledException)
            {
                // The server may close a connection it refuses to read (a 413 mid-body); that is not a 5xx.
                Interlocked.Increment(ref transportErrors);
            }
        });
        var byStatus = statuses.ToDictionary(s => s.Key, s => s.Value);
        return new HostileInputReport(requests, byStatus, byStatus.Where(s => s.Key >= 500).Sum(s => s.Value), transportErrors, clock.Elapsed);
    }

    private async Task<int> SendAsync(HttpClient http, int kind, Random random, CancellationToken cancellationToken)
    {
        var now = TimeProvider.System.GetUtcNow();
        var valid = Encoding.UTF8.GetBytes(ScalekitSamples.Create("organization.updated", new SampleOptions { OccurredAt = now, EventId = SampleIds.New("evt_") }).ToJsonString());
        switch (kind)
        {
            case 0: // random bytes with random-looking signature headers
                return await PostAsync(http, "scalekit", RandomBytes(random, random.Next(0, 65_536)), [new("webhook-id", "msg_x"), new("webhook-timestamp", Unix(now)), new("webhook-signature", "v1," + Convert.ToBase64String(RandomBytes(random, 32)))], cancellationToken);
            case 1: // oversized body
                return await PostAsync(http, "scalekit", RandomBytes(random, 1024 * 1024 + random.Next(1, 1024 * 1024)), WebhookSigner.SignScalekit(valid, scalekitSecret, "msg_big", now), cancellationToken);
            case 2: // slow body, validly signed but then altered
                return await PostSlowAsync(http, Altered(valid), WebhookSigner.SignScalekit(valid, scalekitSecret, "msg_slow", now), cancellationToken);
            case 3: // invalid UTF-8, signed
                var invalidUtf8 = valid.ToArray();
                invalidUtf8[random.Next(1, invalidUtf8.Length - 1)] = 0xC3;
                invalidUtf8[^2] = 0x28;
                return await PostAsync(http, "scalekit", invalidUtf8, WebhookSigner.SignScalekit(invalidUtf8, scalekitSecret, "msg_utf8", now), cancellationToken);
            case 4: // deeply nested JSON, signed
                var depth = random.Next(65, 20_000);
                var nested = Encoding.UTF8.GetBytes("{\"id\":\"evt_deep\",\"type\":\"x\",\"data\":" + new string('[', depth) + new string(']', depth) + "}");
                return await PostAsync(http, "scalekit", nested, WebhookSigner.SignScalekit(nested, scalekitSecret, "msg_deep", now), cancellationToken);
            case 5: // a valid signature replayed with an altered body
                return await PostAsync(http, "scalekit", Altered(valid), WebhookSigner.SignScalekit(valid, scalekitSecret, "msg_replay", now), cancellationToken);
            case 6: // a valid signature with a stale timestamp
                return await PostAsync(http, "scalekit", valid, WebhookSigner.SignScalekit(valid, scalekitSecret, "msg_stale", now.AddSeconds(-random.Next(301, 100_000))), cancellationToken);
            case 7: // wrong methods
                using (var request = new HttpRequestMessage(new[] { HttpMethod.Get, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch, HttpMethod.Options }[random.Next(5)], "/api/webhooks/" + (random.Next(2) == 0 ? "scalekit" : "stripe")))
                {
                    using var response = await http.SendAsync(request, cancellationToken);
                    return (int)response.StatusCode;
                }

            case 8: // wrong content types, unsigned
                return await PostAsync(http, "stripe", Encoding.UTF8.GetBytes("a=1&b=2"), [], cancellationToken, new[] { "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml" }[random.Next(4)]);
            case 9: // Stripe: malformed headers
                return await PostAsync(http, "stripe", valid, [new("Stripe-Signature", new[] { "t=abc,v1=zz", "v1=", "t=", ",,,", "t=1,v0=" + new string('a', 64) }[random.Next(5)])], cancellationToken);
            case 10: // Stripe: a huge list of signatures
                return await PostAsync(http, "stripe", valid, [new("Stripe-Signature", $"t={Unix(now)}," + string.Join(',', Enumerable.Range(0, 300).Select(_ => "v1=" + Convert.ToHexString(RandomBytes(random, 32)))))], cancellationToken);
            case 11: // Stripe: valid signature, altered body
                return await PostAsync(http, "stripe", Altered(valid), [WebhookSigner.SignStripe(valid, stripeSecret, now)], cancellationToken);
            case 12: // Scalekit: a huge signature header of junk items
                return await PostAsync(http, "scalekit", valid, [new("webhook-id", "msg_h"), new("webhook-timestamp", Unix(now)), new("webhook-signature", string.Join(' ', Enumerable.Range(0, 500).Select(_ => "v1," + Convert.ToBase64String(RandomBytes(random, random.Next(0, 48))))))], cancellationToken);
            case 13: // header values with control characters, over a raw socket
                return await RawAsync($"POST /api/webhooks/scalekit HTTP/1.1\r\nHost: localhost\r\nwebhook-id: msg\u0001\r\nwebhook-timestamp: {Unix(now)}\r\nwebhook-signature: v1,abc\r\n X-Folded: injected\r\nContent-Length: 2\r\n\r\n{{}}", cancellationToken);
            case 14: // raw protocol abuse: a lying Content-Length, then the connection closes
                return await RawAsync("POST /api/webhooks/stripe HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\nStripe-Signature: t=1,v1=aa\r\n\r\n{\"id\":", cancellationToken);
            default: // JSON that is not an event object, signed
                var notAnObject = Encoding.UTF8.GetBytes(new[] { "null", "[]", "\"evt\"", "{}", "{\"id\":1,\"type\":[]}" }[random.Next(5)]);
                return await PostAsync(http, "scalekit", notAnObject, WebhookSigner.SignScalekit(notAnObject, scalekitSecret, "msg_shape", now), cancellationToken);
        }
    }

    private static async Task<int> PostAsync(HttpClient http, string source, byte[] body, IEnumerable<KeyValuePair<string, string>> headers, CancellationToken cancellationToken, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/" + source) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        return (int)response.StatusCode;
    }

    private static async Task<int> PostSlowAsync(HttpClient http, byte[] body, IEnumerable<KeyValuePair<string, string>> headers, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/scalekit") { Content = new SlowContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        return (int)response.StatusCode;
    }

    private async Task<int> RawAsync(string request, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(baseAddress.Host, baseAddress.Port, cancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request), cancellationToken);
        client.Client.Shutdown(SocketShutdown.Send);
        var buffer = new byte[512];
        var read = await stream.ReadAsync(buffer, cancellationToken);
        var statusLine = Encoding.Latin1.GetString(buffer, 0, read);
        // "HTTP/1.1 400 Bad Request"; an empty answer means the server closed the connection without one.
        return statusLine.Length >= 12 && int.TryParse(statusLine.AsSpan(9, 3), out var status) ? status : 0;
    }

    private static byte[] Altered(byte[] body)
    {
        var copy = body.ToArray();
        var at = Array.IndexOf(copy, (byte)'A');
        copy[at >= 0 ? at : copy.Length / 2] = (byte)'E';
        return copy;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static string Unix(DateTimeOffset time) => time.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A body that trickles in: a few chunks with pauses between them.</summary>
    private sealed class SlowContent(byte[] body) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            var chunk = Math.Max(1, body.Length / 3);
            for (var offset = 0; offset < body.Length; offset += chunk)
            {
                await stream.WriteAsync(body.AsMemory(offset, Math.Min(chunk, body.Length - offset)));
                await stream.FlushAsync();
                await Task.Delay(20);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }
}
