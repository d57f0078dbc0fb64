using System.Net;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Testing;

namespace Scalekit.Webhooks.IntegrationTests.Abuse;

/// <summary>A host with the default budget of refused deliveries (100 a minute) that reads the client from the connection.</summary>
public sealed class DefaultThrottleHostFixture : LocalHostFixture;

/// <summary>A host behind a pretend front end: the client is the last X-Forwarded-For entry, and the budget is small.</summary>
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
    public async Task FourHundredRefusedDeliveries_Get429sWithRetryAfter_ASignedDeliveryRightAfterIs201_AndForwardedForDoesNotHelp()
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

        var body = Deliveries.ScalekitBody();
        using var signed = await host.Client.PostAsync("scalekit", body, Deliveries.SignScalekit(body, host.ScalekitSecret));
        Assert.Equal(HttpStatusCode.Created, signed.StatusCode);

        var wrongSecret = Deliveries.SignScalekit(body, Samples.WebhookSigner.NewScalekitSecret());
        using var stillRefused = await host.Client.PostAsync("scalekit", body, wrongSecret);
        Assert.Equal(HttpStatusCode.TooManyRequests, stillRefused.StatusCode);

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

        signed.Headers.TryAddWithoutValidation("X-Forwarded-For", "203.0.113.7");
        using var accepted = await host.Client.SendAsync(signed);
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
    }

    private async Task<HttpStatusCode> RefusedFromAsync(string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/stripe") { Content = new StringContent("{}") };
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        using var response = await host.Client.SendAsync(request);
        return response.StatusCode;
    }
}
