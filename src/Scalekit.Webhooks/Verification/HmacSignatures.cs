using System.Security.Cryptography;

namespace Scalekit.Webhooks.Verification;

/// <summary>
/// The HMAC work every signature scheme shares: MACs computed with a keyed instance each thread keeps per key and
/// algorithm, written to the stack, and a constant-time comparison of a candidate against each of them.
/// </summary>
internal static class HmacSignatures
{
    public const int MacLength = 32;

    /// <summary>How many secrets can be active at once (current plus previous ones during rotation).</summary>
    public const int MaxSecrets = 8;

    // Keying an HMAC costs about as much as hashing 700 bytes (SHA-256; more for SHA-512), so each thread keeps its
    // keyed instances; a finished MAC leaves its instance reset to the keyed state, ready for the next delivery.
    private const int MaxKeysPerThread = 32;

    // Keys are compared by reference (arrays do not override Equals): each verifier keeps its keys' bytes for its life.
    [ThreadStatic]
    private static Dictionary<(byte[] Key, HashAlgorithmName Algorithm), IncrementalHash>? t_keyed;

    /// <summary>Writes one HMAC-SHA256 of <c>{prefix}{body}</c> per key into consecutive <see cref="MacLength"/>-byte slices of <paramref name="macs"/>.</summary>
    public static void Compute(IReadOnlyList<byte[]> keys, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> body, Span<byte> macs)
    {
        for (var i = 0; i < keys.Count; i++)
        {
            Compute(keys[i], HashAlgorithmName.SHA256, prefix, body, macs.Slice(i * MacLength, MacLength));
        }
    }

    /// <summary>Writes the HMAC of <c>{prefix}{body}</c> under <paramref name="key"/> with <paramref name="algorithm"/> into <paramref name="mac"/>.</summary>
    public static void Compute(byte[] key, HashAlgorithmName algorithm, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> body, Span<byte> mac)
    {
        var hmac = Keyed(key, algorithm);
        try
        {
            hmac.AppendData(prefix);
            hmac.AppendData(body);
            hmac.GetHashAndReset(mac);
        }
        catch
        {
            // Never hand a half-fed instance to the next delivery.
            t_keyed!.Remove((key, algorithm));
            hmac.Dispose();
            throw;
        }
    }

    public static bool MatchesAny(ReadOnlySpan<byte> candidate, ReadOnlySpan<byte> macs)
    {
        var match = false;
        for (var offset = 0; offset < macs.Length; offset += MacLength)
        {
            match |= CryptographicOperations.FixedTimeEquals(candidate, macs.Slice(offset, MacLength));
        }

        return match;
    }

    private static IncrementalHash Keyed(byte[] key, HashAlgorithmName algorithm)
    {
        var keyed = t_keyed ??= [];
        if (keyed.TryGetValue((key, algorithm), out var hmac))
        {
            return hmac;
        }

        if (keyed.Count >= MaxKeysPerThread)
        {
            // Secrets were replaced many times over (configuration reloads): drop the old keys.
            foreach (var stale in keyed.Values)
            {
                stale.Dispose();
            }

            keyed.Clear();
        }

        return keyed[(key, algorithm)] = IncrementalHash.CreateHMAC(algorithm, key);
    }
}
