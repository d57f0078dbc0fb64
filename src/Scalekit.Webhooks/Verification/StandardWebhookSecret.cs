using System.Security.Cryptography;

namespace Scalekit.Webhooks.Verification;

/// <summary>A Standard Webhooks secret (<c>whsec_</c> followed by base64), decoded once into its HMAC key.</summary>
public sealed class StandardWebhookSecret
{
    private const string Prefix = "whsec_";

    private StandardWebhookSecret(byte[] key) => Key = key;

    internal byte[] Key { get; }

    /// <summary>An HMAC-SHA256 keyed with this secret, as a sender signs with it.</summary>
    public IncrementalHash CreateHmac() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Key);

    /// <summary>Decodes <paramref name="secret"/>; returns false with a reason when it is not a valid secret.</summary>
    public static bool TryParse(string? secret, out StandardWebhookSecret? parsed, out string error)
    {
        parsed = null;
        if (string.IsNullOrWhiteSpace(secret))
        {
            error = "the secret is empty";
            return false;
        }

        var encoded = secret.StartsWith(Prefix, StringComparison.Ordinal) ? secret[Prefix.Length..] : secret;
        var key = new byte[encoded.Length];
        if (!Convert.TryFromBase64String(encoded, key, out var written) || written == 0)
        {
            error = "the part after 'whsec_' is not standard base64";
            return false;
        }

        parsed = new StandardWebhookSecret(key[..written]);
        error = string.Empty;
        return true;
    }

    /// <summary>Decodes <paramref name="secret"/> or throws <see cref="FormatException"/> naming what is wrong (never the value).</summary>
    public static StandardWebhookSecret Parse(string secret) =>
        TryParse(secret, out var parsed, out var error) ? parsed! : throw new FormatException($"Invalid Standard Webhooks secret: {error}.");
}
