using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Extensions.Time.Testing;
using Scalekit.Webhooks.Hr.Providers.BambooHr;
using Scalekit.Webhooks.Hr.Providers.HiBob;
using Scalekit.Webhooks.Hr.Providers.Merge;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Stripe;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>
/// Signature verification against a bare HMAC of the same bytes (the baseline of each category), for 1 KB, 16 KB and
/// 256 KB bodies: Scalekit, Stripe, and the HR providers' schemes (BambooHR and Merge HMAC-SHA256, HiBob HMAC-SHA512).
/// BenchmarkDotNet's table (<c>bench verify-table</c>); the targets are judged by <see cref="VerificationTargets"/> on
/// the same cases measured in alternating rounds (<see cref="Pairs"/>), which a loaded machine cannot skew.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public class VerificationBenchmarks
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private byte[] _body = [];
    private byte[] _scalekitKey = [];
    private byte[] _scalekitPrefix = [];
    private byte[] _stripePrefix = [];
    private byte[] _stripeKey = [];
    private string _stripeSecret = string.Empty;
    private WebhookHeaders _scalekitHeaders = null!;
    private WebhookHeaders _stripeHeaders = null!;
    private StandardWebhooksVerifier _scalekit = null!;
    private StripeSignatureVerifier _stripe = null!;
    private byte[] _providerKey = [];
    private byte[] _bambooTimestamp = [];
    private WebhookHeaders _bambooHeaders = null!;
    private WebhookHeaders _hiBobHeaders = null!;
    private WebhookHeaders _mergeHeaders = null!;
    private IWebhookVerifier _bamboo = null!;
    private IWebhookVerifier _hiBob = null!;
    private IWebhookVerifier _merge = null!;

    [Params(1024, 16 * 1024, 256 * 1024)]
    public int BodyBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        const string Head = "{\"id\":\"evt_1\",\"type\":\"t\",\"p\":\"";
        _body = Encoding.UTF8.GetBytes(Head + new string('x', BodyBytes - Head.Length - 2) + "\"}");
        var secret = WebhookSigner.NewScalekitSecret();
        _scalekitKey = Convert.FromBase64String(secret["whsec_".Length..]);
        _scalekitPrefix = Encoding.UTF8.GetBytes($"msg_1.{Now.ToUnixTimeSeconds()}.");
        _scalekitHeaders = WebhookHeaders.FromPairs(WebhookSigner.SignScalekit(_body, secret, "msg_1", Now));
        _scalekit = new StandardWebhooksVerifier([StandardWebhookSecret.Parse(secret)], TimeSpan.FromSeconds(300), new FakeTimeProvider(Now));
        _stripeSecret = WebhookSigner.NewStripeSecret();
        _stripeKey = Encoding.UTF8.GetBytes(_stripeSecret);
        _stripePrefix = Encoding.UTF8.GetBytes(Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + ".");
        _stripeHeaders = WebhookHeaders.FromPairs([WebhookSigner.SignStripe(_body, _stripeSecret, Now)]);
        _stripe = new StripeSignatureVerifier([_stripeSecret], TimeSpan.FromSeconds(300), new FakeTimeProvider(Now));
        const string ProviderKey = "provider-webhook-key-0123456789";
        _providerKey = Encoding.UTF8.GetBytes(ProviderKey);
        var timestamp = Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        _bambooTimestamp = Encoding.UTF8.GetBytes(timestamp);
        _bambooHeaders = WebhookHeaders.FromPairs(BambooHrSamples.Sign(_body, ProviderKey, timestamp));
        _bamboo = HrVerifiers.BambooHr(ProviderKey, new FakeTimeProvider(Now));
        _hiBobHeaders = WebhookHeaders.FromPairs([HiBobSamples.Sign(_body, ProviderKey)]);
        _hiBob = HrVerifiers.HiBob(ProviderKey);
        _mergeHeaders = WebhookHeaders.FromPairs([MergeSamples.Sign(_body, ProviderKey)]);
        _merge = HrVerifiers.Merge(ProviderKey);
        if (!_scalekit.Verify(_body, _scalekitHeaders).IsVerified || !_stripe.Verify(_body, _stripeHeaders).IsVerified
            || !_bamboo.Verify(_body, _bambooHeaders).IsVerified || !_hiBob.Verify(_body, _hiBobHeaders).IsVerified || !_merge.Verify(_body, _mergeHeaders).IsVerified)
        {
            throw new InvalidOperationException("The benchmark's own signatures do not verify.");
        }
    }

    /// <summary>Each category's verifier and its baseline over this instance's bytes (call <see cref="Setup"/> first).</summary>
    public IReadOnlyList<VerificationPair> Pairs() =>
    [
        new("scalekit", "StandardWebhooksVerifier", () => ScalekitBareHmac(), () => ScalekitVerify()),
        new("stripe", "StripeSignatureVerifier", () => StripeBareHmac(), () => StripeVerify()),
        new("bamboohr", "BambooHrVerifier", () => BambooHrBareHmac(), () => BambooHrVerify()),
        new("hibob", "HiBobVerifier (SHA-512)", () => HiBobBareHmac(), () => HiBobVerify()),
        new("merge", "MergeVerifier", () => MergeBareHmac(), () => MergeVerify()),
    ];

    [Benchmark(Baseline = true), BenchmarkCategory("scalekit")]
    public byte[] ScalekitBareHmac()
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _scalekitKey);
        hmac.AppendData(_scalekitPrefix);
        hmac.AppendData(_body);
        return hmac.GetHashAndReset();
    }

    [Benchmark, BenchmarkCategory("scalekit")]
    public bool ScalekitVerify() => _scalekit.Verify(_body, _scalekitHeaders).IsVerified;

    [Benchmark(Baseline = true), BenchmarkCategory("stripe")]
    public byte[] StripeBareHmac()
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _stripeKey);
        hmac.AppendData(_stripePrefix);
        hmac.AppendData(_body);
        return hmac.GetHashAndReset();
    }

    [Benchmark, BenchmarkCategory("stripe")]
    public bool StripeVerify() => _stripe.Verify(_body, _stripeHeaders).IsVerified;

    [Benchmark(Baseline = true), BenchmarkCategory("bamboohr")]
    public byte[] BambooHrBareHmac()
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _providerKey);
        hmac.AppendData(_body);
        hmac.AppendData(_bambooTimestamp);
        return hmac.GetHashAndReset();
    }

    [Benchmark, BenchmarkCategory("bamboohr")]
    public bool BambooHrVerify() => _bamboo.Verify(_body, _bambooHeaders).IsVerified;

    [Benchmark(Baseline = true), BenchmarkCategory("hibob")]
    public byte[] HiBobBareHmac() => HMACSHA512.HashData(_providerKey, _body);

    [Benchmark, BenchmarkCategory("hibob")]
    public bool HiBobVerify() => _hiBob.Verify(_body, _hiBobHeaders).IsVerified;

    [Benchmark(Baseline = true), BenchmarkCategory("merge")]
    public byte[] MergeBareHmac() => HMACSHA256.HashData(_providerKey, _body);

    [Benchmark, BenchmarkCategory("merge")]
    public bool MergeVerify() => _merge.Verify(_body, _mergeHeaders).IsVerified;
}
