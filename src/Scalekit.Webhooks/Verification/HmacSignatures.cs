using System.Security.Cryptography;

namespace Scalekit.Webhooks.Verification;

/// <summary>
/// The HMAC-SHA256 work both signature schemes share: one MAC of <c>{prefix}{body}</c> per active secret, written to
/// the stack, and a constant-time comparison of a candidate against each of them.
/// </summary>
internal static class HmacSignatures
{
    public const int MacLength = 32;

    /// <summary>How many secrets can be active at once (current plus previous ones during rotation).</summary>
    public const int MaxSecrets = 8;

    // Keying an HMAC costs about as much as hashing 700 bytes, so each thread keeps its keyed instances; a finished MAC
    // leaves its instance reset to the keyed state, ready for the next delivery.
    private const int MaxKeysPerThread = 32;

    [ThreadStatic]
    private static Dictionary<byte[], IncrementalHash>? t_keyed;

    /// <summary>Writes one MAC per key into consecutive <see cref="MacLength"/>-byte slices of <paramref name="macs"/>.</summary>
    public static void Compute(IReadOnlyList<byte[]> keys, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> body, Span<byte> macs)
    {
        for (var i = 0; i < keys.Count; i++)
        {
            var hmac = Keyed(keys[i]);
            try
            {
                hmac.AppendData(prefix);
                hmac.AppendData(body);
                hmac.GetHashAndReset(macs.Slice(i * MacLength, MacLength));
            }
            catch
            {
                // Never hand a half-fed instance to the next delivery.
                t_keyed!.Remove(keys[i]);
                hmac.Dispose();
                throw;
            }
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

    private static IncrementalHash Keyed(byte[] key)
    {
        var keyed = t_keyed ??= new Dictionary<byte[], IncrementalHash>(ReferenceEqualityComparer.Instance);
        if (keyed.TryGetValue(key, out var hmac))
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

        return keyed[key] = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
    }
}
