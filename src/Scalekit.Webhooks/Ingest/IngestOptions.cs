using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;

namespace Scalekit.Webhooks.Ingest;

/// <summary>How deliveries are verified and accepted. Read from flat app settings, the same names in every host.</summary>
public sealed class IngestOptions
{
    public const string ScalekitSecretSetting = "SCALEKIT_WEBHOOK_SECRET";
    public const string StripeSecretSetting = "STRIPE_WEBHOOK_SECRET";
    public const string ToleranceSetting = "WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS";
    public const string MaxBodySetting = "WEBHOOK_MAX_BODY_BYTES";
    public const string StripeApiVersionPolicySetting = "STRIPE_API_VERSION_MISMATCH";

    /// <summary>
    /// Each sender's signing secrets (<c>whsec_…</c>, current first; several are accepted during rotation), or why
    /// that sender is switched off.
    /// </summary>
    public IReadOnlyDictionary<WebhookSource, SenderSecrets> Senders { get; set; } = new Dictionary<WebhookSource, SenderSecrets>();

    /// <summary>The setting that holds <paramref name="source"/>'s signing secrets.</summary>
    public static string SecretSetting(WebhookSource source) => EventSources.Of(source).SecretSetting;

    /// <summary>The secrets of <paramref name="source"/>; a sender that was never bound counts as not set.</summary>
    public SenderSecrets Sender(WebhookSource source) =>
        Senders.TryGetValue(source, out var sender) ? sender : SenderSecrets.Read(source, SecretSetting(source), null);

    /// <summary>How far a signed timestamp may be from now, either way. Default 300 s, as both senders use.</summary>
    [SettingRange(ToleranceSetting, 1, 86400, TimeUnit.Seconds)]
    public TimeSpan TimestampTolerance { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>Largest body accepted; larger ones get 413 without being read to the end. Default 1 MiB.</summary>
    [SettingRange(MaxBodySetting, 1024, 64 * 1024 * 1024)]
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>What to do with a Stripe event whose API version differs from Stripe.net's API version. Default: accept.</summary>
    [EnumDataType(typeof(StripeApiVersionPolicy), ErrorMessage = StripeApiVersionPolicySetting + " must be 'accept' or 'reject'.")]
    public StripeApiVersionPolicy StripeApiVersionPolicy { get; set; } = StripeApiVersionPolicy.Accept;

    /// <summary>Splits a secret setting: secrets are separated by commas or whitespace (neither occurs inside a secret).</summary>
    public static IReadOnlyList<string> SplitSecrets(string? value) =>
        string.IsNullOrWhiteSpace(value) ? [] : value.Split([',', ' ', ';', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries);

    internal static void Bind(IngestOptions options, IConfiguration configuration)
    {
        options.Senders = EventSources.All.Where(profile => !profile.ConnectionsOnly).ToDictionary(
            profile => profile.Source,
            profile => SenderSecrets.Read(profile.Source, profile.SecretSetting, configuration[profile.SecretSetting]));
        options.TimestampTolerance = SettingValue.Duration(configuration, ToleranceSetting, options.TimestampTolerance, TimeUnit.Seconds);
        options.MaxBodyBytes = SettingValue.WholeNumber(configuration, MaxBodySetting, (int)options.MaxBodyBytes);
        if (configuration[StripeApiVersionPolicySetting] is { Length: > 0 } policy)
        {
            options.StripeApiVersionPolicy = Enum.TryParse<StripeApiVersionPolicy>(policy, ignoreCase: true, out var parsed) && !int.TryParse(policy, out _)
                ? parsed
                : throw SettingValue.Invalid(StripeApiVersionPolicySetting, "must be 'accept' or 'reject'");
        }
    }
}

[OptionsValidator]
internal sealed partial class IngestOptionsValidator : IValidateOptions<IngestOptions>;

/// <summary>Handling of Stripe events signed for another API version than the one this build of Stripe.net expects.</summary>
public enum StripeApiVersionPolicy
{
    /// <summary>Store the event (its version is kept in the envelope) and log a warning; processing reads it tolerantly.</summary>
    Accept,

    /// <summary>Answer 400 so the mismatch is visible in Stripe's dashboard; Stripe keeps retrying for up to 3 days.</summary>
    Reject,
}
