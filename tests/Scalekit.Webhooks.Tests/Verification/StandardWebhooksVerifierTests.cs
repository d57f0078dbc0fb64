using System.Text;
using Microsoft.Extensions.Time.Testing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Tests.Verification;

public class StandardWebhooksVerifierTests
{
    // The public Standard Webhooks test vector (also in shared/spec/scalekit.md). It can be regenerated with the npm
    // package: new Webhook(secret).sign(id, new Date(timestamp * 1000), body).
    private const string VectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string VectorId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long VectorTimestamp = 1614265330;
    private const string VectorBody = "{\"test\": 2432232314}";
    private const string VectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private static readonly byte[] Body = Encoding.UTF8.GetBytes(VectorBody);

    [Fact]
    public void Verify_PublicTestVector_IsVerified()
    {
        var result = Verifier(VectorSecret).Verify(Body, Headers());
        Assert.True(result.IsVerified, result.Detail);
    }

    [Fact]
    public void Verify_HeaderNamesInAnyCase_AreFound()
    {
        var headers = WebhookHeaders.FromPairs(
        [
            new("WEBHOOK-ID", VectorId),
            new("Webhook-Timestamp", VectorTimestamp.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("webhook-SIGNATURE", VectorSignature),
        ]);
        Assert.True(Verifier(VectorSecret).Verify(Body, headers).IsVerified);
    }

    [Fact]
    public void Verify_TamperedBody_IsInvalidSignature()
    {
        var tampered = Encoding.UTF8.GetBytes("{\"test\": 2432232315}");
        Assert.Equal(WebhookRejection.InvalidSignature, Verifier(VectorSecret).Verify(tampered, Headers()).Rejection);
    }

    [Fact]
    public void Verify_WrongSecret_IsInvalidSignature()
    {
        var result = Verifier(WebhookSigner.NewScalekitSecret()).Verify(Body, Headers());
        Assert.Equal(WebhookRejection.InvalidSignature, result.Rejection);
        Assert.Contains("SCALEKIT_WEBHOOK_SECRET", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_PreviousSecretDuringRotation_IsVerified()
    {
        var verifier = Verifier(WebhookSigner.NewScalekitSecret(), VectorSecret);
        Assert.True(verifier.Verify(Body, Headers()).IsVerified);
    }

    [Fact]
    public void Verify_SeveralSignaturesOneMatching_IsVerified()
    {
        var header = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v2,whatever " + VectorSignature;
        Assert.True(Verifier(VectorSecret).Verify(Body, Headers(signature: header)).IsVerified);
    }

    [Theory]
    [InlineData("v1,not-base64!!")]
    [InlineData("v1,c2hvcnQ=")]
    [InlineData("v1")]
    [InlineData("v1,")]
    [InlineData("garbage")]
    [InlineData("v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")]
    [InlineData("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=AAAA")]
    public void Verify_UndecodableOrForeignSignatureItems_AreNoMatch(string header)
    {
        Assert.Equal(WebhookRejection.InvalidSignature, Verifier(VectorSecret).Verify(Body, Headers(signature: header)).Rejection);
    }

    [Theory]
    [InlineData("v1,AAAA v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")]
    [InlineData("v1,%%% v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")]
    public void Verify_BadItemBeforeAGoodOne_StillMatches(string header)
    {
        Assert.True(Verifier(VectorSecret).Verify(Body, Headers(signature: header)).IsVerified);
    }

    [Theory]
    [InlineData(null, "1614265330", VectorSignature)]
    [InlineData(VectorId, null, VectorSignature)]
    [InlineData(VectorId, "1614265330", null)]
    [InlineData("", "1614265330", VectorSignature)]
    [InlineData(VectorId, "  ", VectorSignature)]
    public void Verify_MissingOrEmptyHeader_IsMissingHeaders(string? id, string? timestamp, string? signature)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        if (id is not null) pairs.Add(new("webhook-id", id));
        if (timestamp is not null) pairs.Add(new("webhook-timestamp", timestamp));
        if (signature is not null) pairs.Add(new("webhook-signature", signature));
        var result = Verifier(VectorSecret).Verify(Body, WebhookHeaders.FromPairs(pairs));
        Assert.Equal(WebhookRejection.MissingHeaders, result.Rejection);
        Assert.StartsWith("Missing required headers", result.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1614265330.5")]
    [InlineData("-1614265330")]
    [InlineData("99999999999999999999999")]
    public void Verify_NonIntegerTimestamp_IsMalformedHeaders(string timestamp)
    {
        var result = Verifier(VectorSecret).Verify(Body, Headers(timestamp: timestamp));
        Assert.Equal(WebhookRejection.MalformedHeaders, result.Rejection);
    }

    [Theory]
    [InlineData(-300, null)]
    [InlineData(300, null)]
    [InlineData(-301, WebhookRejection.TimestampTooNew)]
    [InlineData(301, WebhookRejection.TimestampTooOld)]
    public void Verify_ClockOffsetFromSignedTime_RespectsToleranceBothWays(int secondsSinceSigned, WebhookRejection? expected)
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(VectorTimestamp + secondsSinceSigned));
        var verifier = new StandardWebhooksVerifier([StandardWebhookSecret.Parse(VectorSecret)], TimeSpan.FromSeconds(300), time);
        Assert.Equal(expected, verifier.Verify(Body, Headers()).Rejection);
    }

    [Fact]
    public void Verify_ConfiguredTolerance_IsUsed()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(VectorTimestamp + 3600));
        var verifier = new StandardWebhooksVerifier([StandardWebhookSecret.Parse(VectorSecret)], TimeSpan.FromHours(2), time);
        Assert.True(verifier.Verify(Body, Headers()).IsVerified);
    }

    [Fact]
    public void Verify_SignatureFromOurSigner_IsVerified()
    {
        var secret = WebhookSigner.NewScalekitSecret();
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var headers = WebhookHeaders.FromPairs(WebhookSigner.SignScalekit(Body, secret, "msg_1", now));
        var verifier = new StandardWebhooksVerifier([StandardWebhookSecret.Parse(secret)], TimeSpan.FromSeconds(300), new FakeTimeProvider(now));
        Assert.True(verifier.Verify(Body, headers).IsVerified);
    }

    [Fact]
    public void Verify_WebhookIdOver256Characters_IsMalformedHeaders()
    {
        var result = Verifier(VectorSecret).Verify(Body, Headers(id: new string('x', 5000)));
        Assert.Equal(WebhookRejection.MalformedHeaders, result.Rejection);
        Assert.Contains("webhook-id", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckHeaders_WebhookIdOf256Characters_PassesToTheSignatureCheck()
    {
        var headers = Headers(id: new string('x', StandardWebhooksVerifier.MaxIdLength));
        Assert.True(Verifier(VectorSecret).CheckHeaders(headers).IsVerified);
        Assert.Equal(WebhookRejection.InvalidSignature, Verifier(VectorSecret).Verify(Body, headers).Rejection);
    }

    [Fact]
    public void Verify_ManyDeliveriesOnOneThread_EachJudgedOnItsOwnBytes()
    {
        // Keyed HMAC instances are reused per thread: a rejected delivery must leave nothing behind for the next one.
        var verifier = Verifier(VectorSecret);
        var tampered = Encoding.UTF8.GetBytes("{\"test\": 2432232315}");
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(WebhookRejection.InvalidSignature, verifier.Verify(tampered, Headers()).Rejection);
            Assert.True(verifier.Verify(Body, Headers()).IsVerified);
        }
    }

    [Fact]
    public void Verify_ManyVerifiersAcrossManyThreads_AllAgreeWithTheSigner()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var cases = Enumerable.Range(0, 100).Select(i =>
        {
            var secret = WebhookSigner.NewScalekitSecret();
            var body = Encoding.UTF8.GetBytes($"{{\"n\":{i}}}");
            var verifier = new StandardWebhooksVerifier([StandardWebhookSecret.Parse(secret)], TimeSpan.FromSeconds(300), new FakeTimeProvider(now));
            return (verifier, body, headers: WebhookHeaders.FromPairs(WebhookSigner.SignScalekit(body, secret, $"msg_{i}", now)));
        }).ToArray();

        var wrong = 0;
        Parallel.For(0, 20_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, n =>
        {
            var mine = cases[n % cases.Length];
            var other = cases[(n + 1) % cases.Length];
            if (!mine.verifier.Verify(mine.body, mine.headers).IsVerified || mine.verifier.Verify(other.body, other.headers).IsVerified)
            {
                Interlocked.Increment(ref wrong);
            }
        });

        Assert.Equal(0, wrong);
    }

    [Theory]
    [InlineData("whsec_")]
    [InlineData("whsec_!!!notbase64")]
    [InlineData("")]
    public void SecretParse_Invalid_ThrowsWithoutEchoingTheValue(string secret)
    {
        var error = Assert.Throws<FormatException>(() => StandardWebhookSecret.Parse(secret));
        Assert.DoesNotContain("notbase64", error.Message, StringComparison.Ordinal);
    }

    private static StandardWebhooksVerifier Verifier(params string[] secrets) =>
        new([.. secrets.Select(StandardWebhookSecret.Parse)], TimeSpan.FromSeconds(300), new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(VectorTimestamp)));

    private static WebhookHeaders Headers(string id = VectorId, string? timestamp = null, string signature = VectorSignature) =>
        WebhookHeaders.FromPairs(
        [
            new("webhook-id", id),
            new("webhook-timestamp", timestamp ?? VectorTimestamp.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("webhook-signature", signature),
        ]);
}
