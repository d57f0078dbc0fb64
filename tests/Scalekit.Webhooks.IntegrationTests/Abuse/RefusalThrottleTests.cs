using System.Net;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Testing;

namespace Scalekit.Webhooks.IntegrationTests.Abuse;

/// <summary>A host with the default budget of refused deliveries (100 a minute) that reads the client from the connection.</summary>
public sealed class DefaultThrottleHostFixture : LocalHostFixture;

/// <summary>A host behind a reverse proxy of its own that appends the client to X-Forwarded-For, with a small budget.</summary>
public sealed class FrontEndThrottleHostFixture : LocalHostFixture
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        [RefusalThrottleOptions.LimitSetting] = "5",
        [RefusalThrottleOptions.ForwardedForHopsSetting] = "1",
    };
}

public class RefusalThrottleTests(DefaultThrottleHostFixture host) : IClassFixture<DefaultThrottleHostFixture>
{
    [Fact]
    public async Task FourHundredRefusedDeliveries_Get429sWithRetryAfter_ThenEvenASignedDeliveryWaits_AndForwardedForDoesNotHelp()
    {
        var statuses = new int[400];
        var retryAfters = new List<int>();
        await Concurrently.ForEachIndexAsync(0, statuses.Length, 8, async (_, i) =>
        {
            // Unsigned: refused with 400 before the body is read.
            using var response = await host.Client.PostAsync("scalekit", "{}", []);
            statuses[i] = (int)response.StatusCode;
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("too_many_refused_deliveries", (await response.JsonAsync()).GetProperty("reason").GetString());
                lock (retryAfters)
                {
                    retryAfters.Add((int)response.Headers.RetryAfter!.Delta!.Value.TotalSeconds);
                }
            }
        });

        Assert.Equal(100, statuses.Count(s => s == 400));
        Assert.Equal(300, statuses.Count(s => s == 429));
        Assert.All(retryAfters, seconds => Assert.InRange(seconds, 1, 60));

        // Over its budget the address is answered before its body is read, so even a signed delivery waits (the
        // senders retry a 429) until the window ends.
        var body = Deliveries.ScalekitBody();
        using var signed = await host.Client.PostAsync("scalekit", body, Deliveries.SignScalekit(body, host.ScalekitSecret));
        Assert.Equal(HttpStatusCode.TooManyRequests, signed.StatusCode);
        Assert.InRange(signed.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);

        // Without a front end the connection's address counts, so a header the sender writes changes nothing.
        using var spoofed = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/stripe") { Content = new StringContent("{}") };
        spoofed.Headers.TryAddWithoutValidation("X-Forwarded-For", "203.0.113.99");
        using var spoofedAnswer = await host.Client.SendAsync(spoofed);
        Assert.Equal(HttpStatusCode.TooManyRequests, spoofedAnswer.StatusCode);
    }
}

public class FrontEndRefusalThrottleTests(FrontEndThrottleHostFixture host) : IClassFixture<FrontEndThrottleHostFixture>
{
    [Fact]
    public async Task ForwardedForEntriesWrittenBySender_DoNotDodgeTheLimit_TheFrontEndsEntryCounts()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            // The sender varies what it writes; the front end appends the real client last.
            statuses.Add(await RefusedFromAsync($"198.51.100.{i}, 10.0.0.{i}, 203.0.113.7:5{i}000"));
        }

        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.BadRequest));
        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(HttpStatusCode.BadRequest, await RefusedFromAsync("203.0.113.7, 203.0.113.8"));

        var body = Deliveries.StripeBody();
        using var signed = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/stripe") { Content = new StringContent(body) };
        foreach (var (name, value) in Deliveries.SignStripe(body, host.StripeSecret))
        {
            signed.Headers.TryAddWithoutValidation(name, value);
        }

        signed.Headers.TryAddWithoutValidation("X-Forwarded-For", "203.0.113.9");
        using var accepted = await host.Client.SendAsync(signed);
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
    }

    [Fact]
    public async Task AnAddressOverItsBudget_Gets429_BeforeItsBodyIsRead_EvenABodyThatNeverCompletes()
    {
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, await RefusedFromAsync("203.0.113.20"));
        }

        // Headers that would pass every cheap check and a body announced at 1 MB of which a few bytes ever arrive: the
        // answer can only come before the body is read.
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(host.BaseAddress.Host, host.BaseAddress.Port);
        var stream = socket.GetStream();
        var head = "POST /api/webhooks/stripe HTTP/1.1\r\n" +
            $"Host: {host.BaseAddress.Authority}\r\n" +
            "X-Forwarded-For: 203.0.113.20\r\n" +
            $"Stripe-Signature: t={TimeProvider.System.GetUtcNow().ToUnixTimeSeconds()},v1={new string('a', 64)}\r\n" +
            "Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{\"id\":";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head));
        using var reader = new StreamReader(stream, System.Text.Encoding.ASCII);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var statusLine = await reader.ReadLineAsync(timeout.Token);
        Assert.StartsWith("HTTP/1.1 429", statusLine, StringComparison.Ordinal);
        var headers = new List<string>();
        for (var line = await reader.ReadLineAsync(timeout.Token); !string.IsNullOrEmpty(line); line = await reader.ReadLineAsync(timeout.Token))
        {
            headers.Add(line);
        }

        Assert.Contains(headers, h => h.StartsWith("Retry-After:", StringComparison.OrdinalIgnoreCase));
    }

    private async Task<HttpStatusCode> RefusedFromAsync(string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/stripe") { Content = new StringContent("{}") };
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        using var response = await host.Client.SendAsync(request);
        return response.StatusCode;
    }
}
