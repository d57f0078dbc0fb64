using Scalekit.Webhooks.Hr.Providers.BambooHr;
using Scalekit.Webhooks.Hr.Providers.HiBob;
using Scalekit.Webhooks.Hr.Providers.Merge;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Benchmarks;

/// <summary>
/// The HR providers' verifiers as the verification benchmarks build them: the one place here that knows their
/// constructors, so a change of their shape is adapted in this file alone.
/// </summary>
public static class HrVerifiers
{
    // Only named in a rejection's text, which the benchmarks never produce.
    private const string SecretSetting = "S";
    private static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(300);

    public static IWebhookVerifier BambooHr(string privateKey, TimeProvider time) => new BambooHrVerifier([privateKey], Tolerance, time, SecretSetting);

    public static IWebhookVerifier HiBob(string secret) => new HiBobVerifier([secret], SecretSetting);

    public static IWebhookVerifier Merge(string signatureKey) => new MergeVerifier([signatureKey]);
}
