using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Onboarding;
using Scalekit.Webhooks.Stripe;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Scalekit.Webhooks.IntegrationTests.Onboarding;

/// <summary>Writing Scalekit ids onto a Stripe customer with Stripe.net, against a WireMock Stripe API.</summary>
public sealed class StripeCustomerMetadataTests : IDisposable
{
    private const string CustomerPath = "/v1/customers/cus_onboard_1";
    private readonly WireMockServer _stripe = WireMockServer.Start();
    private readonly ServiceProvider _services;

    public StripeCustomerMetadataTests()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["STRIPE_API_KEY"] = "sk_test_onboarding",
            ["STRIPE_API_BASE_URL"] = _stripe.Url,
        }).Build();
        _services = new ServiceCollection().AddLogging().AddScalekitWebhooks(configuration).BuildServiceProvider();
    }

    private StripeCustomerMetadata Writer => _services.GetRequiredService<StripeCustomerMetadata>();

    public void Dispose()
    {
        _services.Dispose();
        _stripe.Stop();
        _stripe.Dispose();
    }

    [Fact]
    public async Task Update_PostsTheMetadataKeysWithTheKey()
    {
        _stripe.Given(Request.Create().WithPath(CustomerPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { id = "cus_onboard_1", @object = "customer", metadata = new { scalekit_org_id = "org_1" } }));

        await Writer.UpdateAsync("cus_onboard_1", new Dictionary<string, string> { ["scalekit_org_id"] = "org_1", ["scalekit_admin_user_id"] = "usr_1" });

        var post = Assert.Single(_stripe.LogEntries);
        var form = Uri.UnescapeDataString(post.RequestMessage.Body!);
        Assert.Contains("metadata[scalekit_org_id]=org_1", form, StringComparison.Ordinal);
        Assert.Contains("metadata[scalekit_admin_user_id]=usr_1", form, StringComparison.Ordinal);
        Assert.Equal("Bearer sk_test_onboarding", post.RequestMessage.Headers!["Authorization"].Single());
        Assert.NotEmpty(post.RequestMessage.Headers["Idempotency-Key"].Single());
    }

    [Fact]
    public async Task ServerError_IsRetriedWithTheSameIdempotencyKey()
    {
        _stripe.Given(Request.Create().WithPath(CustomerPath).UsingPost()).InScenario("flaky").WillSetStateTo("failed once")
            .RespondWith(Response.Create().WithStatusCode(500).WithBodyAsJson(new { error = new { type = "api_error", message = "try again" } }));
        _stripe.Given(Request.Create().WithPath(CustomerPath).UsingPost()).InScenario("flaky").WhenStateIs("failed once")
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { id = "cus_onboard_1", @object = "customer" }));

        await Writer.UpdateAsync("cus_onboard_1", new Dictionary<string, string> { ["scalekit_org_id"] = "org_1" });

        var keys = _stripe.LogEntries.Select(e => e.RequestMessage.Headers!["Idempotency-Key"].Single()).ToList();
        Assert.Equal(2, keys.Count);
        Assert.Single(keys.Distinct());
    }

    [Fact]
    public async Task MissingCustomer_IsAPermanentRefusal()
    {
        _stripe.Given(Request.Create().WithPath(CustomerPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(404).WithBodyAsJson(new { error = new { type = "invalid_request_error", code = "resource_missing", message = "No such customer: 'cus_onboard_1'" } }));

        var error = await Assert.ThrowsAsync<StripeWriteException>(() => Writer.UpdateAsync("cus_onboard_1", new Dictionary<string, string> { ["scalekit_org_id"] = "org_1" }));

        Assert.False(error.IsTransient);
        Assert.Contains("resource_missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RateLimitThatPersists_IsTransient()
    {
        _stripe.Given(Request.Create().WithPath(CustomerPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(429).WithBodyAsJson(new { error = new { type = "rate_limit_error", message = "Too many requests" } }));

        var error = await Assert.ThrowsAsync<StripeWriteException>(() => Writer.UpdateAsync("cus_onboard_1", new Dictionary<string, string> { ["scalekit_org_id"] = "org_1" }));

        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task MalformedAnswer_IsARefusal()
    {
        _stripe.Given(Request.Create().WithPath(CustomerPath).UsingPost()).RespondWith(Response.Create().WithStatusCode(502).WithBody("<html>bad gateway</html>"));

        var error = await Assert.ThrowsAsync<StripeWriteException>(() => Writer.UpdateAsync("cus_onboard_1", new Dictionary<string, string> { ["scalekit_org_id"] = "org_1" }));

        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task MetadataOverStripesLimits_IsRefusedBeforeSending()
    {
        var error = await Assert.ThrowsAsync<StripeWriteException>(() => Writer.UpdateAsync("cus_onboard_1", new Dictionary<string, string> { ["scalekit[org]"] = "org_1" }));

        Assert.False(error.IsTransient);
        Assert.Empty(_stripe.LogEntries);
    }

    [Theory]
    [InlineData(51, 5, 5, "50 metadata pairs")]
    [InlineData(1, 41, 5, "1 to 40 characters")]
    [InlineData(1, 5, 501, "longer than 500")]
    public void LimitProblem_NamesTheLimit(int pairs, int keyLength, int valueLength, string expected)
    {
        var metadata = Enumerable.Range(0, pairs).ToDictionary(i => $"{i}".PadLeft(keyLength, 'k'), _ => new string('v', valueLength));

        Assert.Contains(expected, StripeCustomerMetadata.LimitProblem(metadata), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pk_live_123", "must be a secret")]
    [InlineData("@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/stripe/)", "Key Vault reference")]
    public void BrokenKey_SwitchesStripeWritesOff(string key, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["STRIPE_API_KEY"] = key }).Build();
        using var services = new ServiceCollection().AddLogging().AddScalekitWebhooks(configuration).BuildServiceProvider();

        var options = services.GetRequiredService<IOptions<StripeApiOptions>>().Value;

        Assert.False(options.IsConfigured);
        Assert.Contains(expected, options.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain(key, options.Problem, StringComparison.Ordinal);
    }
}
