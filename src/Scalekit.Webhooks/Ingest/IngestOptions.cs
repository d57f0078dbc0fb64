using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Ingest;

/// <summary>How deliveries are verified and accepted. Read from flat app settings, the same names in every host.</summary>
public sealed class IngestOptions
{
    public const string ScalekitSecretSetting = "SCALEKIT_WEBHOOK_SECRET";
    public const string StripeSecretSetting = "STRIPE_WEBHOOK_SECRET";
    public const string ToleranceSetting = "WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS";
    public const string MaxBodySetting = "WEBHOOK_MAX_BODY_BYTES";
    public const string StripeApiVersionPolicySetting = "STRIPE_API_VERSION_MISMATCH";

    /// <summary>Scalekit signing secrets (<c>whsec_…</c>), current first; several are accepted during rotation.</summary>
    public IReadOnlyList<string> ScalekitSecrets { get; set; } = [];

    /// <summary>Stripe endpoint secrets (<c>whsec_…</c>), current first; several are accepted during rotation.</summary>
    public IReadOnlyList<string> StripeSecrets { get; set; } = [];

    /// <summary>How far a signed timestamp may be from now, either way. Default 300 s, as both senders use.</summary>
    public TimeSpan TimestampTolerance { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>Largest body accepted; larger ones get 413 without being read to the end. Default 1 MiB.</summary>
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>What to do with a Stripe event whose API version differs from Stripe.net's API version. Default: accept.</summary>
    public StripeApiVersionPolicy StripeApiVersionPolicy { get; set; } = StripeApiVersionPolicy.Accept;

    /// <summary>Splits a secret setting: secrets are separated by commas or whitespace (neither occurs inside a secret).</summary>
    public static IReadOnlyList<string> SplitSecrets(string? value) =>
        string.IsNullOrWhiteSpace(value) ? [] : value.Split([',', ' ', ';', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries);

    internal static void Bind(IngestOptions options, IConfiguration configuration)
    {
        options.ScalekitSecrets = SplitSecrets(configuration[ScalekitSecretSetting]);
        options.StripeSecrets = SplitSecrets(configuration[StripeSecretSetting]);
        if (configuration[ToleranceSetting] is { Length: > 0 } tolerance)
        {
            options.TimestampTolerance = TimeSpan.FromSeconds(ParseLong(tolerance, ToleranceSetting));
        }

        if (configuration[MaxBodySetting] is { Length: > 0 } maxBody)
        {
            options.MaxBodyBytes = ParseLong(maxBody, MaxBodySetting);
        }

        if (configuration[StripeApiVersionPolicySetting] is { Length: > 0 } policy)
        {
            options.StripeApiVersionPolicy = Enum.TryParse<StripeApiVersionPolicy>(policy, ignoreCase: true, out var parsed)
                ? parsed
                : throw new OptionsValidationException(StripeApiVersionPolicySetting, typeof(IngestOptions), [$"{StripeApiVersionPolicySetting} must be 'accept' or 'reject'."]);
        }
    }

    private static long ParseLong(string value, string setting) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw new OptionsValidationException(setting, typeof(IngestOptions), [$"{setting} must be a whole number."]);
}

/// <summary>Handling of Stripe events signed for another API version than the one this build of Stripe.net expects.</summary>
public enum StripeApiVersionPolicy
{
    /// <summary>Store the event (its version is kept in the envelope) and log a warning; processing reads it tolerantly.</summary>
    Accept,

    /// <summary>Answer 400 so the mismatch is visible in Stripe's dashboard; Stripe keeps retrying for up to 3 days.</summary>
    Reject,
}

internal sealed class IngestOptionsValidator : IValidateOptions<IngestOptions>
{
    public ValidateOptionsResult Validate(string? name, IngestOptions options)
    {
        var errors = new List<string>();
        if (options.TimestampTolerance <= TimeSpan.Zero || options.TimestampTolerance > TimeSpan.FromDays(1))
        {
            errors.Add($"{IngestOptions.ToleranceSetting} must be between 1 and 86400 seconds.");
        }

        if (options.MaxBodyBytes is < 1024 or > 64 * 1024 * 1024)
        {
            errors.Add($"{IngestOptions.MaxBodySetting} must be between 1024 and 67108864 bytes.");
        }

        for (var i = 0; i < options.ScalekitSecrets.Count; i++)
        {
            if (!StandardWebhookSecret.TryParse(options.ScalekitSecrets[i], out _, out var error))
            {
                errors.Add($"{IngestOptions.ScalekitSecretSetting}: secret #{i + 1} is invalid: {error}.");
            }
        }

        foreach (var (setting, secrets) in new[] { (IngestOptions.ScalekitSecretSetting, options.ScalekitSecrets), (IngestOptions.StripeSecretSetting, options.StripeSecrets) })
        {
            if (secrets.Count > HmacSignatures.MaxSecrets)
            {
                errors.Add($"{setting} holds {secrets.Count} secrets; at most {HmacSignatures.MaxSecrets} can be active at once.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
