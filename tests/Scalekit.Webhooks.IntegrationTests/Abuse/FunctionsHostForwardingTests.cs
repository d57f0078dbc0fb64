using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;

namespace Scalekit.Webhooks.IntegrationTests.Abuse;

/// <summary>
/// The local host with the isolated worker's own first middleware, as <c>ConfigureFunctionsWebApplication()</c> sets it
/// up (Azure/azure-functions-dotnet-worker, extensions/Worker.Extensions.Http.AspNetCore/src/FunctionsHostBuilderExtensions.cs):
/// every forwarded header on, <c>UseForwardedHeaders()</c> first, ASP.NET Core's defaults otherwise (limit 1, loopback
/// trusted). The test client on loopback stands for the Functions host, the worker's only peer. Settings as on Azure.
/// </summary>
public sealed class FunctionsWorkerShapeHostFixture : LocalHostFixture
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["WEBSITE_INSTANCE_ID"] = "0123456789abcdef",
        [RefusalThrottleOptions.LimitSetting] = "3",
    };

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.Configure<ForwardedHeadersOptions>(options => options.ForwardedHeaders = ForwardedHeaders.All);
        services.AddTransient<IStartupFilter, ForwardedHeadersFirst>();
    }

    private sealed class ForwardedHeadersFirst : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseForwardedHeaders();
            next(app);
        };
    }
}

public class FunctionsHostForwardingTests(FunctionsWorkerShapeHostFixture host) : IClassFixture<FunctionsWorkerShapeHostFixture>
{
    [Fact]
    public async Task RequestsShapedAsTheHostForwardsThem_AreCountedAndAuditedUnderTheCallersAddress()
    {
        // YARP's default transforms (HttpTransformer.Default) *set* X-Forwarded-For to the host's view of the caller,
        // one value without a port, and X-Forwarded-Proto/-Host likewise; the host adds its invocation id.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, await RefusedAsync("203.0.113.50"));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, await RefusedAsync("203.0.113.50"));
        Assert.Equal(HttpStatusCode.BadRequest, await RefusedAsync("203.0.113.51"));
        Assert.Equal(HttpStatusCode.BadRequest, await RefusedAsync("2001:db8:5::1"));

        using var replay = new HttpRequestMessage(HttpMethod.Post, "/api/ops/events/stripe/evt_forwarding_shape/replay");
        AddHostHeaders(replay, "198.51.100.70");
        replay.Headers.TryAddWithoutValidation("x-functions-key", host.OpsKey);
        using var replayed = await host.Client.SendAsync(replay);
        Assert.Equal(HttpStatusCode.NotFound, replayed.StatusCode);

        using var audit = await host.OpsAsync(HttpMethod.Get, "/api/ops/audit?pageSize=10");
        var entries = (await audit.JsonAsync()).GetProperty("items").EnumerateArray().ToList();
        var entry = Assert.Single(entries, e => e.GetProperty("target").GetString()!.Contains("evt_forwarding_shape", StringComparison.Ordinal));
        Assert.Equal("198.51.100.70", entry.GetProperty("caller_address").GetString());
    }

    [Fact]
    public async Task WithoutTheHostsHeader_TheConnectionCounts_AndAMultiValueHeaderNeverLetsTheSenderPickItsAddress()
    {
        // A local run: no header, the peer itself (loopback) is the client.
        using var direct = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/stripe") { Content = new StringContent("{}") };
        using var directAnswer = await host.Client.SendAsync(direct);
        Assert.Equal(HttpStatusCode.BadRequest, directAnswer.StatusCode);

        // The host never sends two values; if one arrived, only the rightmost (the proxy's own) could count, never the
        // sender's entries to the left of it.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, await RefusedAsync($"198.51.100.{i}, 203.0.113.80"));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, await RefusedAsync("198.51.100.99, 203.0.113.80"));
    }

    private async Task<HttpStatusCode> RefusedAsync(string caller)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/stripe") { Content = new StringContent("{}") };
        AddHostHeaders(request, caller);
        using var response = await host.Client.SendAsync(request);
        return response.StatusCode;
    }

    private static void AddHostHeaders(HttpRequestMessage request, string caller)
    {
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", caller);
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "https");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", "skfn-abc123.azurewebsites.net");
        request.Headers.TryAddWithoutValidation("x-ms-invocation-id", Guid.NewGuid().ToString());
    }
}
