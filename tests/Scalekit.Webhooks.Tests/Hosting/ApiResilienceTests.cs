using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Scalekit.Webhooks.Hosting;

namespace Scalekit.Webhooks.Tests.Hosting;

/// <summary>The shared retry policy repeats only what is harmless to repeat: never a create without an idempotency key.</summary>
public class ApiResilienceTests
{
    [Theory]
    [InlineData("GET", "https://api.example/api/v1/organizations/org_1", null, 3)]
    [InlineData("PATCH", "https://api.example/api/v1/organizations/org_1", null, 3)]
    [InlineData("POST", "https://api.example/api/v1/organizations", null, 1)]
    [InlineData("POST", "https://api.example/api/v1/organizations/org_1/users", null, 1)]
    [InlineData("POST", "https://api.example/v1/customers/cus_1", "key-1", 3)]
    [InlineData("POST", "https://api.example/oauth/token", null, 3)]
    public async Task ServerError_IsRetried_OnlyWhenARepeatIsHarmless(string method, string url, string? idempotencyKey, int expectedSends)
    {
        var server = new AlwaysUnavailable();
        using var handler = new ResilienceHandler(new ResiliencePipelineBuilder<HttpResponseMessage>().AddApiRetries(2, TimeSpan.Zero).Build()) { InnerHandler = server };
        using var client = new HttpClient(handler);
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(expectedSends, server.Sends);
    }

    [Fact]
    public async Task ACreateAnswered429_IsRetried_ForThatAnswerSaysItWasNotTaken()
    {
        var server = new AlwaysUnavailable(HttpStatusCode.TooManyRequests);
        using var handler = new ResilienceHandler(new ResiliencePipelineBuilder<HttpResponseMessage>().AddApiRetries(2, TimeSpan.Zero).Build()) { InnerHandler = server };
        using var client = new HttpClient(handler);

        using var response = await client.PostAsync("https://api.example/api/v1/organizations/org_1/users", null);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(3, server.Sends);
    }

    private sealed class AlwaysUnavailable(HttpStatusCode status = HttpStatusCode.ServiceUnavailable) : HttpMessageHandler
    {
        public int Sends { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Sends++;
            return Task.FromResult(new HttpResponseMessage(status));
        }
    }
}
