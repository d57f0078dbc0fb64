using Microsoft.Extensions.Time.Testing;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.ScalekitApi;

namespace Scalekit.Webhooks.Tests.ScalekitApi;

/// <summary>The Scalekit and Salesforce token caches: one fetch for many callers, a token and its companion value swapped whole.</summary>
public class TokenCacheTests
{
    [Fact]
    public async Task ScalekitToken_ManyConcurrentCallers_FetchOnce_AndRenewOnlyAfterItsTime()
    {
        var time = new FakeTimeProvider();
        using var cache = new ScalekitTokenCache(time);
        var fetches = 0;
        async Task<(string, TimeSpan)> Fetch(CancellationToken _)
        {
            await Task.Yield();
            return ($"token-{Interlocked.Increment(ref fetches)}", TimeSpan.FromMinutes(10));
        }

        var tokens = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(() => cache.GetAsync(Fetch, TimeSpan.FromMinutes(1), default))));
        Assert.All(tokens, token => Assert.Equal("token-1", token));

        time.Advance(TimeSpan.FromMinutes(8.9));
        Assert.Equal("token-1", await cache.GetAsync(Fetch, TimeSpan.FromMinutes(1), default));
        time.Advance(TimeSpan.FromMinutes(0.2));
        Assert.Equal("token-2", await cache.GetAsync(Fetch, TimeSpan.FromMinutes(1), default));
        Assert.Equal(2, cache.TokensIssued);
    }

    [Fact]
    public async Task ScalekitToken_InvalidatingAnOlderToken_KeepsTheNewerOne()
    {
        using var cache = new ScalekitTokenCache(new FakeTimeProvider());
        var next = 0;
        Task<(string, TimeSpan)> Fetch(CancellationToken _) => Task.FromResult(($"token-{++next}", TimeSpan.FromHours(1)));

        var first = await cache.GetAsync(Fetch, TimeSpan.Zero, default);
        cache.Invalidate(first);
        var second = await cache.GetAsync(Fetch, TimeSpan.Zero, default);
        cache.Invalidate(first);

        Assert.Equal("token-2", second);
        Assert.Equal("token-2", await cache.GetAsync(Fetch, TimeSpan.Zero, default));
    }

    [Fact]
    public async Task SalesforceSession_TokenAndInstanceUrl_AreAlwaysReadTogether()
    {
        using var session = new SalesforceSession();
        var next = 0;
        Task<(string, Uri)> Fetch(CancellationToken _)
        {
            var n = Interlocked.Increment(ref next);
            return Task.FromResult(($"token-{n}", new Uri($"https://org{n}.my.salesforce.com/")));
        }

        var readers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 500; i++)
            {
                var (token, url) = await session.GetAsync(Fetch, default);
                Assert.Equal(token.Replace("token-", "https://org", StringComparison.Ordinal) + ".my.salesforce.com/", url.ToString());
                session.Invalidate(token);
            }
        }));
        await Task.WhenAll(readers);

        Assert.Equal(Volatile.Read(ref next), session.TokensIssued);
    }

    [Fact]
    public async Task SalesforceSession_InvalidatingAnOlderToken_KeepsTheNewerOne()
    {
        using var session = new SalesforceSession();
        var next = 0;
        Task<(string, Uri)> Fetch(CancellationToken _) => Task.FromResult(($"token-{++next}", new Uri("https://acme.my.salesforce.com/")));

        var (first, _) = await session.GetAsync(Fetch, default);
        session.Invalidate(first);
        var (second, _) = await session.GetAsync(Fetch, default);
        session.Invalidate(first);

        Assert.Equal("token-2", second);
        Assert.Equal("token-2", (await session.GetAsync(Fetch, default)).Token);
        Assert.Equal(2, session.TokensIssued);
    }
}
