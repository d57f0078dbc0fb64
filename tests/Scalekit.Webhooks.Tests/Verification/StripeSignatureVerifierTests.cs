using System.Text;
using Microsoft.Extensions.Time.Testing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Tests.Verification;

public class StripeSignatureVerifierTests
{
    private const string Secret = "whsec_test_current_0123456789abcdef";
    private const string PreviousSecret = "whsec_test_previous_0123456789abcd";
    private static readonly DateTimeOffset SignedAt = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"id\":\"evt_1\",\"type\":\"invoice.paid\",\"object\":\"event\"}");

    [Fact]
    public void Verify_SignedByStripeNet_IsVerified()
    {
        Assert.True(Verifier(SignedAt, Secret).Verify(Body, Signed(Body, Secret)).IsVerified);
    }

    [Fact]
    public void Verify_PreviousSecretDuringRotation_IsVerified()
    {
        Assert.True(Verifier(SignedAt, Secret, PreviousSecret).Verify(Body, Signed(Body, PreviousSecret)).IsVerified);
    }

    [Fact]
    public void Verify_TamperedBody_IsInvalidSignature()
    {
        var headers = Signed(Body, Secret);
        var tampered = Encoding.UTF8.GetBytes("{\"id\":\"evt_2\",\"type\":\"invoice.paid\",\"object\":\"event\"}");
        Assert.Equal(WebhookRejection.InvalidSignature, Verifier(SignedAt, Secret).Verify(tampered, headers).Rejection);
    }

    [Fact]
    public void Verify_WrongSecret_IsInvalidSignature()
    {
        var result = Verifier(SignedAt, Secret).Verify(Body, Signed(Body, "whsec_someone_else"));
        Assert.Equal(WebhookRejection.InvalidSignature, result.Rejection);
        Assert.Contains("STRIPE_WEBHOOK_SECRET", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_MissingHeader_IsMissingHeadersNotAnException()
    {
        var result = Verifier(SignedAt, Secret).Verify(Body, WebhookHeaders.FromPairs([]));
        Assert.Equal(WebhookRejection.MissingHeaders, result.Rejection);
    }

    [Theory]
    [InlineData("v1=abc")]
    [InlineData("t=abc,v1=abc")]
    [InlineData("garbage")]
    public void Verify_UnparsableHeader_IsMalformedHeaders(string header)
    {
        var result = Verifier(SignedAt, Secret).Verify(Body, WebhookHeaders.FromPairs([new("Stripe-Signature", header)]));
        Assert.Equal(WebhookRejection.MalformedHeaders, result.Rejection);
    }

    [Theory]
    [InlineData(300, null)]
    [InlineData(-300, null)]
    [InlineData(301, WebhookRejection.TimestampTooOld)]
    [InlineData(-301, WebhookRejection.TimestampTooNew)]
    public void Verify_ClockOffset_RespectsToleranceBothWays(int secondsSinceSigned, WebhookRejection? expected)
    {
        var result = Verifier(SignedAt.AddSeconds(secondsSinceSigned), Secret).Verify(Body, Signed(Body, Secret));
        Assert.Equal(expected, result.Rejection);
    }

    [Fact]
    public void Verify_OnlyV0Signature_IsInvalidSignature()
    {
        var header = $"t={SignedAt.ToUnixTimeSeconds()},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39";
        Assert.Equal(WebhookRejection.InvalidSignature, Verifier(SignedAt, Secret).Verify(Body, WebhookHeaders.FromPairs([new("stripe-signature", header)])).Rejection);
    }

    private static StripeSignatureVerifier Verifier(DateTimeOffset now, params string[] secrets) =>
        new(secrets, TimeSpan.FromSeconds(300), new FakeTimeProvider(now));

    private static WebhookHeaders Signed(byte[] body, string secret) =>
        WebhookHeaders.FromPairs([WebhookSigner.SignStripe(body, secret, SignedAt)]);
}
