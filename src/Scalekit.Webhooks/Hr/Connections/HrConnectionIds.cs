using System.Buffers;
using System.Security.Cryptography;

namespace Scalekit.Webhooks.Hr.Connections;

/// <summary>
/// Ids of connections created through the operations API: <c>hrc_</c> and 20 random lower-case base32 characters
/// (100 bits). Settings ids (letters, digits and '-') never contain '_', so the two kinds never meet.
/// </summary>
public static class HrConnectionIds
{
    public const string Prefix = "hrc_";
    public const int RandomLength = 20;
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    private static readonly SearchValues<char> Letters = SearchValues.Create(Alphabet);

    public static string New()
    {
        Span<byte> bytes = stackalloc byte[RandomLength];
        RandomNumberGenerator.Fill(bytes);
        return string.Create(Prefix.Length + RandomLength, bytes.ToArray(), static (chars, random) =>
        {
            Prefix.AsSpan().CopyTo(chars);
            for (var i = 0; i < random.Length; i++)
            {
                chars[Prefix.Length + i] = Alphabet[random[i] & 31];
            }
        });
    }

    /// <summary>Whether <paramref name="id"/> has the shape of a created connection's id (it may still not exist).</summary>
    public static bool IsStored(string id) =>
        id.Length == Prefix.Length + RandomLength && id.StartsWith(Prefix, StringComparison.Ordinal)
        && id.AsSpan(Prefix.Length).IndexOfAnyExcept(Letters) < 0;
}
