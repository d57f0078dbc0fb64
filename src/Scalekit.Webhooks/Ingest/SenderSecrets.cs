using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Ingest;

/// <summary>
/// The signing secrets of one sender, read from its setting, or why that sender is switched off. A sender whose
/// setting is missing or broken answers 503 naming the setting; every other part of the app keeps working.
/// </summary>
public sealed record SenderSecrets(WebhookSource Source, string Setting, IReadOnlyList<string> Secrets, string? Problem)
{
    private const string SecretPrefix = "whsec_";

    public bool IsEnabled => Problem is null;

    /// <summary>Reads one sender's setting. The problem text names the setting and never repeats its value.</summary>
    public static SenderSecrets Read(WebhookSource source, string setting, string? value)
    {
        ArgumentNullException.ThrowIfNull(setting);
        var secrets = IngestOptions.SplitSecrets(value);
        return new SenderSecrets(source, setting, secrets, Check(source, setting, value, secrets));
    }

    private static string? Check(WebhookSource source, string setting, string? value, IReadOnlyList<string> secrets)
    {
        if (ConnectionSettings.IsUnresolvedKeyVaultReference(value))
        {
            return $"{setting} holds a Key Vault reference that has not been resolved: grant the app's identity the " +
                "Key Vault Secrets User role on the vault, check that the secret exists, then restart the app.";
        }

        if (secrets.Count == 0)
        {
            return $"{setting} is not set.";
        }

        if (secrets.Count > HmacSignatures.MaxSecrets)
        {
            return $"{setting} holds {secrets.Count} secrets; at most {HmacSignatures.MaxSecrets} can be active at once.";
        }

        for (var i = 0; i < secrets.Count; i++)
        {
            if (SecretError(source, secrets[i]) is { } error)
            {
                return $"{setting}: secret #{i + 1} is not a valid signing secret ({error}).";
            }
        }

        return null;
    }

    private static string? SecretError(WebhookSource source, string secret)
    {
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal) || secret.Length == SecretPrefix.Length)
        {
            return "it must start with 'whsec_', followed by the secret";
        }

        return EventSources.Of(source).SecretProblem?.Invoke(secret);
    }
}
