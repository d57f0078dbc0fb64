using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Onboarding;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Tests.Hosting;

/// <summary>An id of "", "." or ".." never reaches an outbound URL: escaping keeps dots, and URL resolution climbs them.</summary>
public class UrlPathSegmentTests
{
    private readonly RecordingHttpClients _http = new();

    [Theory]
    [InlineData("", false)]
    [InlineData(".", false)]
    [InlineData("..", false)]
    [InlineData("...", true)]
    [InlineData(".hidden", true)]
    [InlineData("org_123", true)]
    public void IsUsable_RefusesOnlyEmptyDotAndDotDot(string id, bool usable) => Assert.Equal(usable, UrlPathSegment.IsUsable(id));

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("")]
    public async Task HrHire_WithOrganizationIdDotDot_NeverPostsToTheUsersCollection(string organizationId)
    {
        using var tokens = new ScalekitTokenCache(TimeProvider.System);
        var users = new ScalekitUserClient(_http, Options.Create(new ScalekitOptions
        {
            EnvironmentUrl = new Uri("https://acme.scalekit.example/"),
            ClientId = "skc_1",
            ClientSecret = "secret",
        }), tokens);

        var error = await Assert.ThrowsAsync<ScalekitApiException>(() => users.CreateUserAsync(organizationId, new ScalekitNewUser("ada@acme.example", "E-1", new Dictionary<string, string>(), null, []), sendInvitationEmail: false));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, error.StatusCode);
        Assert.False(error.IsTransient);
        Assert.Contains("organization_id", error.Message, StringComparison.Ordinal);
        Assert.Empty(_http.Sent);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("")]
    public async Task ScalekitOrganizationLookups_WithDotDot_SendNothing(string id)
    {
        using var tokens = new ScalekitTokenCache(TimeProvider.System);
        var organizations = new ScalekitClient(_http, Options.Create(new ScalekitOptions
        {
            EnvironmentUrl = new Uri("https://acme.scalekit.example/"),
            ClientId = "skc_1",
            ClientSecret = "secret",
        }), tokens);

        await Assert.ThrowsAsync<ScalekitApiException>(() => organizations.FindByExternalIdAsync(id));
        await Assert.ThrowsAsync<ScalekitApiException>(() => organizations.UpdateMetadataAsync(id, new Dictionary<string, string>(), null));
        Assert.Empty(_http.Sent);
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    public async Task StripeCustomerUpdate_WithDotDot_IsAPermanentRefusal_AndSendsNothing(string customerId)
    {
        var stripe = new StripeCustomerMetadata(Options.Create(new StripeApiOptions { ApiKey = "sk_test_123", BaseUrl = new Uri("http://127.0.0.1:9/") }), _http);

        var error = await Assert.ThrowsAsync<StripeWriteException>(() => stripe.UpdateAsync(customerId, new Dictionary<string, string> { ["scalekit_org"] = "org_1" }));

        Assert.False(error.IsTransient);
        Assert.Empty(_http.Sent);
    }

    private sealed class RecordingHttpClients : IHttpClientFactory
    {
        public List<HttpRequestMessage> Sent { get; } = [];

        public HttpClient CreateClient(string name) => new(new Recorder(Sent));

        private sealed class Recorder(List<HttpRequestMessage> sent) : HttpMessageHandler
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                sent.Add(request);
                return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.InternalServerError));
            }
        }
    }
}
