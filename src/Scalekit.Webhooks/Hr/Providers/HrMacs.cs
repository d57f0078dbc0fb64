using System.Security.Cryptography;
using System.Text;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Hr.Providers;

/// <summary>
/// The HMAC work of the providers' schemes: keys as UTF-8 bytes, and a constant-time check of a candidate against every
/// key, with the keyed instances each thread keeps (<see cref="HmacSignatures"/>).
/// </summary>
internal static class HrMacs
{
    public static byte[][] Keys(IReadOnlyList<string> secrets) => [.. secrets.Select(Encoding.UTF8.GetBytes)];

    /// <summary>Whether <paramref name="candidate"/> is the HMAC-SHA256 of <c>{first}{second}</c> under any key.</summary>
    public static bool Sha256MatchesAny(byte[][] keys, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, ReadOnlySpan<byte> candidate)
    {
        if (candidate.Length != HmacSignatures.MacLength)
        {
            return false;
        }

        Span<byte> macs = stackalloc byte[HmacSignatures.MacLength * keys.Length];
        HmacSignatures.Compute(keys, first, second, macs);
        return HmacSignatures.MatchesAny(candidate, macs);
    }

    /// <summary>Whether <paramref name="candidate"/> is the HMAC-SHA512 of <paramref name="body"/> under any key.</summary>
    public static bool Sha512MatchesAny(byte[][] keys, ReadOnlySpan<byte> body, ReadOnlySpan<byte> candidate)
    {
        if (candidate.Length != HMACSHA512.HashSizeInBytes)
        {
            return false;
        }

        Span<byte> mac = stackalloc byte[HMACSHA512.HashSizeInBytes];
        var match = false;
        foreach (var key in keys)
        {
            HmacSignatures.Compute(key, HashAlgorithmName.SHA512, default, body, mac);
            match |= CryptographicOperations.FixedTimeEquals(candidate, mac);
        }

        return match;
    }
}
