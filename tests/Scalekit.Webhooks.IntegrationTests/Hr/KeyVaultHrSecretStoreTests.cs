using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Secrets;
using Scalekit.Webhooks.Hr.Connections;
using WireMock.RequestBuilders;
using Request = WireMock.RequestBuilders.Request;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Scalekit.Webhooks.IntegrationTests.Hr;

/// <summary>
/// The Key Vault secret store against a WireMock vault: the real <see cref="SecretClient"/> with its challenge
/// authentication, retries and timeouts, its requests sent to WireMock by the transport (Azure.Core refuses bearer
/// tokens over http, so the client keeps its https vault URI and only the transport rewrites it).
/// </summary>
public sealed class KeyVaultHrSecretStoreTests : IDisposable
{
    private const string Connection = "hrc_abcdefghijklmnopqrst";
    private const string SecretPath = "/secrets/hr-hrc-abcdefghijklmnopqrst-webhook-1";
    private const string SecretValue = "whsec_c2VjcmV0LXZhbHVlLW5ldmVyLWluLWFuLWVycm9y";

    private readonly WireMockServer _vault = WireMockServer.Start();
    private readonly KeyVaultHrSecretStore _store;

    public KeyVaultHrSecretStoreTests()
    {
        var options = KeyVaultHrSecretStore.ClientOptions();
        options.Transport = new RewritingTransport(new Uri(_vault.Url!));
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(1);
        options.DisableChallengeResourceVerification = true;
        _store = new KeyVaultHrSecretStore(new SecretClient(new Uri("https://kv-test.vault.azure.net/"), new StaticToken(), options));

        // Key Vault's answer to a request without the token is a challenge naming the tenant and resource; the
        // tests' own answers (with the token) come first.
        _vault.Given(Request.Create())
            .AtPriority(100)
            .RespondWith(Response.Create().WithStatusCode(401)
                .WithHeader("WWW-Authenticate", "Bearer authorization=\"https://login.microsoftonline.com/tenant-1\", resource=\"https://vault.azure.net\""));
    }

    public void Dispose() => _vault.Dispose();

    [Fact]
    public async Task Set_ThenGet_UseTheVaultsNameForTheSlot_WithTheAppsToken()
    {
        _vault.Given(Request.Create().WithPath(SecretPath).UsingPut().WithHeader("Authorization", "Bearer vault-token"))
            .AtPriority(2)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(SecretBody()));
        _vault.Given(Request.Create().WithPath(SecretPath, SecretPath + "/").UsingGet().WithHeader("Authorization", "Bearer vault-token"))
            .AtPriority(2)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(SecretBody()));

        await _store.SetAsync(Connection, HrSecretSlots.Webhook(1), SecretValue);
        var read = await _store.GetAsync(Connection, HrSecretSlots.Webhook(1));

        Assert.Equal(SecretValue, read);
        var put = Assert.Single(_vault.LogEntries, entry => entry.RequestMessage.Method == "PUT" && entry.ResponseMessage.StatusCode is 200);
        Assert.Contains(SecretValue, put.RequestMessage.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_MissingSecret_IsNull()
    {
        GivenSecretAnswers(404, """{"error":{"code":"SecretNotFound","message":"A secret with (name/id) was not found in this key vault."}}""");

        Assert.Null(await _store.GetAsync(Connection, HrSecretSlots.Webhook(1)));
    }

    [Fact]
    public async Task Get_Refused403_IsUnavailable_NamingTheRoleAndTheConnection_NeverTheSecret()
    {
        GivenSecretAnswers(403, """{"error":{"code":"Forbidden","message":"Caller is not authorized."}}""");

        var failure = await Assert.ThrowsAsync<HrSecretUnavailableException>(() => _store.GetAsync(Connection, HrSecretSlots.Webhook(1)));

        Assert.Contains("Key Vault Secrets Officer", failure.Message, StringComparison.Ordinal);
        Assert.Contains(Connection, failure.Message, StringComparison.Ordinal);
        Assert.Equal(Connection, failure.ConnectionId);
    }

    [Theory]
    [InlineData(429, "throttling")]
    [InlineData(500, "failing (500)")]
    [InlineData(503, "failing (503)")]
    public async Task Get_ThrottledOrFailing_IsRetried_ThenUnavailable(int status, string said)
    {
        GivenSecretAnswers(status, """{"error":{"code":"Throttled","message":"Try later."}}""");

        var failure = await Assert.ThrowsAsync<HrSecretUnavailableException>(() => _store.GetAsync(Connection, HrSecretSlots.Webhook(1)));

        Assert.Contains(said, failure.Message, StringComparison.Ordinal);
        Assert.Equal(3, _vault.LogEntries.Count(entry => entry.ResponseMessage.StatusCode is int code && code == status));
    }

    [Fact]
    public async Task Get_VaultThatDoesNotAnswerInTime_IsUnavailable()
    {
        _vault.Given(Request.Create().WithPath(SecretPath, SecretPath + "/").UsingGet().WithHeader("Authorization", "Bearer vault-token"))
            .AtPriority(2)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(SecretBody()).WithDelay(TimeSpan.FromSeconds(3)));

        var failure = await Assert.ThrowsAsync<HrSecretUnavailableException>(() => _store.GetAsync(Connection, HrSecretSlots.Webhook(1)));

        Assert.Contains("did not answer in time", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Set_Refused_IsUnavailable_AndTheMessageHoldsNoSecret()
    {
        _vault.Given(Request.Create().WithPath(SecretPath).UsingPut().WithHeader("Authorization", "Bearer vault-token"))
            .AtPriority(2)
            .RespondWith(Response.Create().WithStatusCode(403).WithBodyAsJson(new { error = new { code = "Forbidden", message = "no" } }));

        var failure = await Assert.ThrowsAsync<HrSecretUnavailableException>(() => _store.SetAsync(Connection, HrSecretSlots.Webhook(1), SecretValue));

        Assert.DoesNotContain(SecretValue, failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_OfASecretAlreadyGone_IsNotAnError()
    {
        _vault.Given(Request.Create().WithPath(SecretPath).UsingDelete().WithHeader("Authorization", "Bearer vault-token"))
            .AtPriority(2)
            .RespondWith(Response.Create().WithStatusCode(404).WithBodyAsJson(new { error = new { code = "SecretNotFound", message = "gone" } }));

        await _store.DeleteAsync(Connection, HrSecretSlots.Webhook(1));

        Assert.Contains(_vault.LogEntries, entry => entry.RequestMessage.Method == "DELETE" && entry.ResponseMessage.StatusCode is 404);
    }

    private void GivenSecretAnswers(int status, string body) =>
        _vault.Given(Request.Create().WithPath(SecretPath, SecretPath + "/").UsingGet().WithHeader("Authorization", "Bearer vault-token"))
            .AtPriority(2)
            .RespondWith(Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(body));

    private static object SecretBody() => new
    {
        value = SecretValue,
        id = "https://kv-test.vault.azure.net" + SecretPath + "/0123456789abcdef",
        attributes = new { enabled = true, created = 1_700_000_000, updated = 1_700_000_000 },
    };

    private sealed class StaticToken : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => new("vault-token", DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) => new(GetToken(requestContext, cancellationToken));
    }

    /// <summary>Sends every request to <paramref name="target"/> after the pipeline (and its https-only token policy) has run.</summary>
    private sealed class RewritingTransport(Uri target) : HttpPipelineTransport
    {
        private readonly HttpClientTransport _inner = new();

        public override Azure.Core.Request CreateRequest() => _inner.CreateRequest();

        public override void Process(HttpMessage message) => ProcessAsync(message).AsTask().GetAwaiter().GetResult();

        // The vault's address is put back after each try, so a retry passes the https-only token policy again.
        public override async ValueTask ProcessAsync(HttpMessage message)
        {
            var uri = message.Request.Uri;
            var (scheme, host, port) = (uri.Scheme, uri.Host, uri.Port);
            (uri.Scheme, uri.Host, uri.Port) = (target.Scheme, target.Host, target.Port);
            try
            {
                await _inner.ProcessAsync(message);
            }
            finally
            {
                (uri.Scheme, uri.Host, uri.Port) = (scheme, host, port);
            }
        }
    }
}
