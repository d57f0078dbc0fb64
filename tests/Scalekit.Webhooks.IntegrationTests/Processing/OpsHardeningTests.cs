using System.Net;
using System.Net.Http.Headers;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;

namespace Scalekit.Webhooks.IntegrationTests.Processing;

public sealed class OpsHardeningHostFixture : LocalHostFixture;

public class OpsHardeningTests(OpsHardeningHostFixture host) : IClassFixture<OpsHardeningHostFixture>
{
    [Theory]
    [InlineData("GET", "/api/ops/events?from=yesterday", "from")]
    [InlineData("GET", "/api/ops/events?to=2026-13-45", "to")]
    [InlineData("GET", "/api/ops/events?pageSize=0", "pageSize")]
    [InlineData("GET", "/api/ops/events?pageSize=ten", "pageSize")]
    [InlineData("GET", "/api/ops/events?pageSize=5000", "pageSize")]
    [InlineData("GET", "/api/ops/events?status=exploded", "status")]
    [InlineData("GET", "/api/ops/events?source=paypal", "source")]
    [InlineData("GET", "/api/ops/dead-letters?pageSize=-1", "pageSize")]
    [InlineData("GET", "/api/ops/dead-letters?status=gone", "status")]
    [InlineData("GET", "/api/ops/dead-letters?source=paypal", "source")]
    [InlineData("POST", "/api/ops/dead-letters/replay?dryRun=maybe", "dryRun")]
    [InlineData("GET", "/api/ops/audit?pageSize=NaN", "pageSize")]
    [InlineData("GET", "/api/ops/audit?action=DROP%20TABLE", "action")]
    [InlineData("GET", "/api/ops/audit?from=yesterday", "from")]
    [InlineData("GET", "/api/ops/audit?to=soon", "to")]
    [InlineData("GET", "/api/ops/audit?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "to")]
    [InlineData("GET", "/api/ops/organizations?over_budget=maybe", "over_budget")]
    [InlineData("GET", "/api/ops/organizations?q=%01", "q")]
    [InlineData("GET", "/api/ops/organizations?pageSize=0", "pageSize")]
    [InlineData("GET", "/api/ops/organizations/org_1/members?pageSize=1.5", "pageSize")]
    [InlineData("GET", "/api/ops/organizations/org_1/directory-users?pageSize=%20-3", "pageSize")]
    [InlineData("GET", "/api/ops/organizations/org_1/employees?pageSize=99999999999", "pageSize")]
    [InlineData("GET", "/api/ops/stats?window=NaN", "window")]
    [InlineData("GET", "/api/ops/customers?q=%01", "q")]
    [InlineData("GET", "/api/ops/customers?pageSize=0", "pageSize")]
    [InlineData("GET", "/api/ops/onboarding?status=exploded", "status")]
    [InlineData("GET", "/api/ops/onboarding?pageSize=many", "pageSize")]
    [InlineData("GET", "/api/ops/hr/connections?pageSize=0", "pageSize")]
    public async Task QueryParameter_Invalid_Is400NamingIt(string method, string path, string parameter)
    {
        using var response = await host.OpsAsync(new HttpMethod(method), path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(parameter, (await response.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(response.Headers.CacheControl?.NoStore);
    }

    [Theory]
    [InlineData("/api/ops/events?pageSize=1000&status=parked&from=2026-01-01T00:00:00Z")]
    [InlineData("/api/ops/dead-letters?pageSize=1&status=parked&source=stripe")]
    [InlineData("/api/ops/audit?pageSize=1")]
    [InlineData("/api/ops/organizations?q=acme.example&pageSize=5")]
    [InlineData("/api/ops/customers?q=cus_&pageSize=5")]
    [InlineData("/api/ops/customers?q=someone%40example.com")]
    [InlineData("/api/ops/onboarding?status=completed&pageSize=5")]
    [InlineData("/api/ops/audit?pageSize=5&action=re-sync&from=2026-01-01T00:00:00Z&to=2026-12-31T00:00:00Z")]
    public async Task QueryParameters_Valid_AreAnswered(string path)
    {
        using var response = await host.OpsAsync(HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/ops/events?continuationToken=not-a-token")]
    [InlineData("/api/ops/audit?continuationToken=%00%01")]
    [InlineData("/api/ops/dead-letters?continuationToken=%20")]
    [InlineData("/api/ops/organizations?continuationToken=not-a-token")]
    [InlineData("/api/ops/customers?continuationToken=not-a-token")]
    [InlineData("/api/ops/onboarding?continuationToken=not-a-token")]
    public async Task ContinuationToken_Garbage_IsNever500(string path)
    {
        using var response = await host.OpsAsync(HttpMethod.Get, path);
        Assert.True((int)response.StatusCode < 500, $"{path} answered {(int)response.StatusCode}");
    }

    [Theory]
    [InlineData("POST", "/api/ops/customers/%2E%2E/sync")]
    [InlineData("POST", "/api/ops/customers/%2E/sync")]
    [InlineData("POST", "/api/ops/events/stripe/%2E%2E/replay")]
    [InlineData("POST", "/api/ops/dead-letters/stripe/%2E/replay")]
    public async Task RouteId_DotOrDotDot_NeverReachesAHandlerThatCallsOut(string method, string path)
    {
        using var response = await host.OpsAsync(new HttpMethod(method), path);

        // Kestrel removes dot segments before routing (404/405); an id that still reached a handler gets 400 naming it.
        Assert.Contains((int)response.StatusCode, new[] { 400, 404, 405 });
        using var audit = await host.OpsAsync(HttpMethod.Get, "/api/ops/audit?pageSize=50");
        Assert.DoesNotContain(".", (await audit.JsonAsync()).GetProperty("items").EnumerateArray()
            .Select(entry => entry.GetProperty("target").GetString()!.Split('/', ' ').Last()));
    }

    [Fact]
    public async Task Console_SendsStrictTransportSecurity_AndIsNeverStored()
    {
        foreach (var path in new[] { "/api/ops/console", "/api/ops/console/console.js", "/api/ops/console/missing.txt" })
        {
            using var response = await host.Client.GetAsync(path);
            Assert.Equal("max-age=31536000", Assert.Single(response.Headers.GetValues("Strict-Transport-Security")));
            Assert.True(response.Headers.CacheControl?.NoStore, path);
        }
    }

    [Fact]
    public async Task Onboarding_ChunkedBodyOverTheLimit_Is413_WhileASmallChunkedBodyIsRead()
    {
        using var large = await PostChunkedAsync("/api/ops/onboarding", "{\"company_name\":\"" + new string('a', 20_000) + "\"}");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
        Assert.Equal("body_too_large", (await large.JsonAsync()).GetProperty("reason").GetString());

        using var small = await PostChunkedAsync("/api/ops/onboarding", "{\"company_name\":\"Acme\"}");
        Assert.Equal(HttpStatusCode.BadRequest, small.StatusCode);
        Assert.Equal("bad_request", (await small.JsonAsync()).GetProperty("reason").GetString());
    }

    private async Task<HttpResponseMessage> PostChunkedAsync(string path, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(body))),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = true;
        request.Headers.TryAddWithoutValidation("x-functions-key", host.OpsKey);
        return await host.Client.SendAsync(request);
    }
}
