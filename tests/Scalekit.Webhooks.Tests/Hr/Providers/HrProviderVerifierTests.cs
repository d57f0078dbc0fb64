using System.Text;
using Microsoft.Extensions.Time.Testing;
using Scalekit.Webhooks.Hr.Providers.BambooHr;
using Scalekit.Webhooks.Hr.Providers.HiBob;
using Scalekit.Webhooks.Hr.Providers.Merge;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Tests.Hr.Providers;

public class HrProviderVerifierTests
{
    // The worked check of shared/spec/hr-providers.md ("BambooHR", "Signature"). Regenerate with
    // printf '%s%s' "$BODY" 1700000000 | openssl dgst -sha256 -hmac test-private-key
    private const string VectorKey = "test-private-key";
    private const string VectorBody = """{"type":"employee.updated","timestamp":"2026-01-31T18:42:00+0000","data":{"companyId":"12345","employeeId":"67890","changedFields":["firstName"]}}""";
    private const string VectorTimestamp = "1700000000";
    private const string VectorSignature = "7108117e33a160b18228a3a9c48efdcd16530cde46e7febc934ac7f3e15d7beb";

    private static readonly byte[] Body = Encoding.UTF8.GetBytes(VectorBody);
    private static readonly FakeTimeProvider AtVector = new(DateTimeOffset.FromUnixTimeSeconds(1700000000));

    [Fact]
    public void BambooHr_SpecVector_IsVerified()
    {
        var result = BambooHr(VectorKey).Verify(Body, BambooHrHeaders(VectorTimestamp, VectorSignature));

        Assert.True(result.IsVerified, result.Detail);
    }

    [Fact]
    public void BambooHr_SignerMatchesTheSpecVector()
    {
        var headers = BambooHrSamples.Sign(Body, VectorKey, VectorTimestamp);

        Assert.Equal(VectorSignature, headers.Single(h => h.Key == BambooHrVerifier.SignatureHeader).Value);
    }

    [Fact]
    public void BambooHr_SignatureInUpperCaseHex_IsVerified() =>
        Assert.True(BambooHr(VectorKey).Verify(Body, BambooHrHeaders(VectorTimestamp, VectorSignature.ToUpperInvariant())).IsVerified);

    [Fact]
    public void BambooHr_PreviousKeyDuringRotation_IsVerified() =>
        Assert.True(BambooHr("new-private-key", VectorKey).Verify(Body, BambooHrHeaders(VectorTimestamp, VectorSignature)).IsVerified);

    [Fact]
    public void BambooHr_WrongKey_IsInvalidSignature_NamingTheSetting()
    {
        var result = BambooHr("another-key").Verify(Body, BambooHrHeaders(VectorTimestamp, VectorSignature));

        Assert.Equal(WebhookRejection.InvalidSignature, result.Rejection);
        Assert.Contains("HR_CONNECTIONS__acme__SIGNING_SECRET", result.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("another-key", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void BambooHr_TimestampChanged_IsInvalidSignature() =>
        Assert.Equal(WebhookRejection.InvalidSignature, BambooHr(VectorKey, time: new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1700000001)))
            .Verify(Body, BambooHrHeaders("1700000001", VectorSignature)).Rejection);

    [Fact]
    public void BambooHr_TamperedBody_IsInvalidSignature() =>
        Assert.Equal(WebhookRejection.InvalidSignature, BambooHr(VectorKey).Verify(Encoding.UTF8.GetBytes(VectorBody.Replace("67890", "67891", StringComparison.Ordinal)), BambooHrHeaders(VectorTimestamp, VectorSignature)).Rejection);

    [Fact]
    public void BambooHr_UnixTimestampOutsideTheTolerance_IsTooOld()
    {
        var later = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1700000000 + 600));

        Assert.Equal(WebhookRejection.TimestampTooOld, BambooHr(VectorKey, time: later).CheckHeaders(BambooHrHeaders(VectorTimestamp, VectorSignature)).Rejection);
    }

    [Fact]
    public void BambooHr_TimestampInAnUnknownFormat_IsSignedAsSent_AndItsAgeNotChecked()
    {
        const string timestamp = "Fri, week 5";
        var headers = BambooHrSamples.Sign(Body, VectorKey, timestamp);

        Assert.True(BambooHr(VectorKey).Verify(Body, WebhookHeaders.FromPairs(headers)).IsVerified);
    }

    [Theory]
    [InlineData(null, VectorSignature, WebhookRejection.MissingHeaders)]
    [InlineData(VectorTimestamp, null, WebhookRejection.MissingHeaders)]
    [InlineData(VectorTimestamp, "not-hex", WebhookRejection.MalformedHeaders)]
    [InlineData(VectorTimestamp, "7108117e", WebhookRejection.MalformedHeaders)]
    public void BambooHr_MissingOrMalformedHeaders_AreRefusedBeforeTheBody(string? timestamp, string? signature, WebhookRejection expected) =>
        Assert.Equal(expected, BambooHr(VectorKey).CheckHeaders(BambooHrHeaders(timestamp, signature)).Rejection);

    [Fact]
    public void HiBob_SignedBody_IsVerified_WithEitherSecretDuringRotation()
    {
        var header = HiBobSamples.Sign(Body, "old-secret");

        Assert.True(new HiBobVerifier(["new-secret", "old-secret"], "S").Verify(Body, WebhookHeaders.FromPairs([header])).IsVerified);
    }

    [Fact]
    public void HiBob_WrongSecret_IsInvalidSignature()
    {
        var header = HiBobSamples.Sign(Body, "another-secret");

        Assert.Equal(WebhookRejection.InvalidSignature, new HiBobVerifier(["bob-secret"], "S").Verify(Body, WebhookHeaders.FromPairs([header])).Rejection);
    }

    [Fact]
    public void HiBob_UnsignedPing_IsVerified_ButAnUnsignedEventIsMissingHeaders()
    {
        var verifier = new HiBobVerifier(["bob-secret"], "S");
        var unsigned = WebhookHeaders.FromPairs([]);

        Assert.True(verifier.CheckHeaders(unsigned).IsVerified);
        Assert.True(verifier.Verify("Ping test"u8, unsigned).IsVerified);
        Assert.Equal(WebhookRejection.MissingHeaders, verifier.Verify(Body, unsigned).Rejection);
    }

    [Theory]
    [InlineData(null, WebhookRejection.MissingHeaders)]
    [InlineData("***", WebhookRejection.MalformedHeaders)]
    [InlineData("c2hvcnQ=", WebhookRejection.MalformedHeaders)]
    public void HiBob_MissingOrMalformedSignature_IsRefused(string? signature, WebhookRejection expected)
    {
        var headers = WebhookHeaders.FromPairs(signature is null ? [] : [new(HiBobVerifier.SignatureHeader, signature)]);

        Assert.Equal(expected, new HiBobVerifier(["bob-secret"], "S").Verify(Body, headers).Rejection);
    }

    [Fact]
    public void Merge_SignedBody_IsVerified_WithOrWithoutPadding()
    {
        var header = MergeSamples.Sign(Body, "merge-key");
        var padded = new KeyValuePair<string, string>(header.Key, header.Value + "=");

        Assert.True(new MergeVerifier(["merge-key"]).Verify(Body, WebhookHeaders.FromPairs([header])).IsVerified);
        Assert.True(new MergeVerifier(["merge-key"]).Verify(Body, WebhookHeaders.FromPairs([padded])).IsVerified);
    }

    [Fact]
    public void Merge_WrongKey_IsInvalidSignature_NamingTheSetting()
    {
        var header = MergeSamples.Sign(Body, "another-key");

        var result = new MergeVerifier(["merge-key"]).Verify(Body, WebhookHeaders.FromPairs([header]));

        Assert.Equal(WebhookRejection.InvalidSignature, result.Rejection);
        Assert.Contains("MERGE_WEBHOOK_SIGNATURE_KEY", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Merge_MissingSignature_IsRefused() =>
        Assert.Equal(WebhookRejection.MissingHeaders, new MergeVerifier(["merge-key"]).CheckHeaders(WebhookHeaders.FromPairs([])).Rejection);

    private static BambooHrVerifier BambooHr(string key, string? previous = null, TimeProvider? time = null) =>
        new(previous is null ? [key] : [key, previous], TimeSpan.FromMinutes(5), time ?? AtVector, "HR_CONNECTIONS__acme__SIGNING_SECRET");

    private static WebhookHeaders BambooHrHeaders(string? timestamp, string? signature) => WebhookHeaders.FromPairs(
        [.. new[] { (BambooHrVerifier.TimestampHeader, timestamp), (BambooHrVerifier.SignatureHeader, signature) }
            .Where(pair => pair.Item2 is not null)
            .Select(pair => KeyValuePair.Create(pair.Item1, pair.Item2!))]);
}
