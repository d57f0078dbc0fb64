using System.Text;
using Microsoft.Extensions.Time.Testing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Stripe;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Tests.Stripe;

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

    [Fact]
    public void Verify_LargeBodyWithMultibyteText_IsVerified()
    {
        var body = Encoding.UTF8.GetBytes("{\"id\":\"evt_1\",\"name\":\"" + string.Concat(Enumerable.Repeat("Zoë 東京 🚀 ", 20_000)) + "\"}");
        Assert.True(Verifier(SignedAt, Secret).Verify(body, Signed(body, Secret)).IsVerified);
    }

    [Theory]
    [InlineData("t=1800000000")]
    [InlineData("t=1800000000,v1=")]
    [InlineData("t=1800000000,v1=zz")]
    [InlineData("t=1800000000,v1=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a3")]
    [InlineData("t=99999999999999999999,v1=abc")]
    public void Verify_NoUsableV1Signature_IsRejected(string header)
    {
        var result = Verifier(SignedAt, Secret).Verify(Body, WebhookHeaders.FromPairs([new("Stripe-Signature", header)]));
        Assert.False(result.IsVerified);
    }

    /// <summary>Stripe.net is the reference: on the same inputs both must agree, case by case.</summary>
    [Fact]
    public void Verify_AgreesWithStripeNetOnThousandsOfGeneratedCases()
    {
        var random = new Random(20261124);
        var disagreements = new List<string>();
        var accepted = 0;
        for (var i = 0; i < 3_000; i++)
        {
            var body = RandomJson(random);
            var secret = "whsec_" + Convert.ToHexStringLower(RandomBytes(random, 16));
            var signedAt = SignedAt.AddSeconds(random.Next(-400, 400));
            var header = global::Stripe.EventUtility.GenerateSignatureHeader(body, random.Next(4) == 0 ? secret + "x" : secret, signedAt.ToUnixTimeSeconds());
            header = random.Next(6) switch
            {
                0 => header.Replace(",v1=", ",v1=" + Convert.ToHexStringLower(RandomBytes(random, 32)) + ",v1=", StringComparison.Ordinal),
                1 => header.Replace(",v1=", ", v0=00,v1=", StringComparison.Ordinal),
                _ => header,
            };
            var sent = random.Next(5) == 0 ? body + " " : body;

            var ours = Verifier(SignedAt, secret).Verify(Encoding.UTF8.GetBytes(sent), WebhookHeaders.FromPairs([new("Stripe-Signature", header)])).IsVerified;
            var stripeNet = StripeNetAccepts(sent, header, secret);
            accepted += ours ? 1 : 0;
            if (ours != stripeNet)
            {
                disagreements.Add($"ours={ours} stripe.net={stripeNet} header={header}");
            }
        }

        Assert.Empty(disagreements);
        Assert.InRange(accepted, 500, 2_500);
    }

    private static bool StripeNetAccepts(string json, string header, string secret)
    {
        try
        {
            global::Stripe.EventUtility.ValidateSignature(json, header, secret, 300, SignedAt.ToUnixTimeSeconds());
            return true;
        }
        catch (global::Stripe.StripeException)
        {
            return false;
        }
    }

    private static string RandomJson(Random random)
    {
        var alphabet = "abcXYZ019 \"\\{}[]:,éö東🚀\t";
        var text = new StringBuilder();
        for (var i = random.Next(0, 400); i > 0; i--)
        {
            var at = random.Next(alphabet.Length);
            text.Append(char.IsHighSurrogate(alphabet[at]) ? alphabet.AsSpan(at, 2) : char.IsLowSurrogate(alphabet[at]) ? "x" : alphabet.AsSpan(at, 1));
        }

        return $"{{\"id\":\"evt_{random.Next()}\",\"text\":{System.Text.Json.JsonSerializer.Serialize(text.ToString())}}}";
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static StripeSignatureVerifier Verifier(DateTimeOffset now, params string[] secrets) =>
        new(secrets, TimeSpan.FromSeconds(300), new FakeTimeProvider(now));

    private static WebhookHeaders Signed(byte[] body, string secret) =>
        WebhookHeaders.FromPairs([WebhookSigner.SignStripe(body, secret, SignedAt)]);
}
