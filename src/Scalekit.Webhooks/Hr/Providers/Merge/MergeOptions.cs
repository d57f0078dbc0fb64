using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Hr.Providers.Merge;

/// <summary>Merge's webhook signature key: one for every customer's linked account. Missing or broken, only Merge is off.</summary>
public sealed class MergeOptions : IIntegrationSettings
{
    public const string SignatureKeySetting = "MERGE_WEBHOOK_SIGNATURE_KEY";

    /// <summary>The key(s) from Merge's dashboard (Webhooks → Security), current first during a rotation.</summary>
    public IReadOnlyList<string> SignatureKeys { get; set; } = [];

    public string? Problem { get; set; }

    internal static void Bind(MergeOptions options, IConfiguration configuration)
    {
        var value = configuration[SignatureKeySetting];
        options.SignatureKeys = IngestOptions.SplitSecrets(value);
        options.Problem = ConnectionSettings.IsUnresolvedKeyVaultReference(value)
            ? $"Merge is off: {SignatureKeySetting} holds a Key Vault reference that has not been resolved."
            : options.SignatureKeys.Count == 0
                ? $"Merge is off: {SignatureKeySetting} is not set (Merge dashboard → Webhooks → Security → signature key)."
                : options.SignatureKeys.Count > Verification.HmacSignatures.MaxSecrets
                    ? $"Merge is off: {SignatureKeySetting} holds {options.SignatureKeys.Count} keys; at most {Verification.HmacSignatures.MaxSecrets} can be active at once."
                    : null;
    }
}

/// <summary>Every rule of <see cref="MergeOptions"/> is checked while binding, which records the problem.</summary>
internal sealed class MergeOptionsValidator : IValidateOptions<MergeOptions>
{
    public ValidateOptionsResult Validate(string? name, MergeOptions options) => ValidateOptionsResult.Success;
}
