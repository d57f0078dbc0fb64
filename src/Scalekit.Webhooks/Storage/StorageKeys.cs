using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Scalekit.Webhooks.Storage;

/// <summary>
/// The one key scheme for every Table key and blob name, used by every write and every read. It is injective (two
/// different ids never share a key): letters, digits, <c>-</c> and <c>_</c> stay as they are and every other UTF-16
/// code unit becomes <c>~XXXX</c> (hex), so keys hold only characters Tables and blob names allow and never a dot
/// (no <c>.</c> or <c>..</c> blob path segment). A key longer than <see cref="MaxLength"/> keeps its start and ends
/// in <c>~~</c> plus the SHA-256 of its full encoding; an unbounded key never contains <c>~~</c>.
/// </summary>
public static class StorageKeys
{
    /// <summary>Longest key produced: well inside the 1 KiB of a Table key, and three of them fit a 1,024-character blob name.</summary>
    public const int MaxLength = 255;

    private const char Escape = '~';
    private const string Bounded = "~~";
    private const int HashChars = 64;

    private static readonly SearchValues<char> Plain = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");

    /// <summary>The storage key of one id. The empty id is <c>~</c>, which no other id encodes to.</summary>
    public static string Key(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0)
        {
            return Escape.ToString();
        }

        if (IsPlain(value))
        {
            return value.Length <= MaxLength ? value : Bound(value);
        }

        var builder = new StringBuilder(value.Length + 16);
        foreach (var c in value)
        {
            if (IsPlain(c))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append(Escape).Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        var encoded = builder.ToString();
        return encoded.Length <= MaxLength ? encoded : Bound(encoded);
    }

    /// <summary>One key for an ordered pair of ids (such as group and user): each part encoded, joined by <c>:</c>, which encoded parts never contain.</summary>
    public static string Key(string first, string second)
    {
        var joined = Key(first) + ":" + Key(second);
        return joined.Length <= MaxLength ? joined : Bound(joined);
    }

    /// <summary>
    /// The id a key was made from, for keys that were not bounded (a bounded key ends in a hash and cannot be read
    /// back). For rows written before they stored their ids as columns.
    /// </summary>
    public static bool TryDecode(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        value = null;
        if (key == Escape.ToString())
        {
            value = string.Empty;
            return true;
        }

        if (key.Contains(Bounded, StringComparison.Ordinal))
        {
            return false;
        }

        var builder = new StringBuilder(key.Length);
        for (var i = 0; i < key.Length; i++)
        {
            if (key[i] != Escape)
            {
                builder.Append(key[i]);
                continue;
            }

            if (i + 4 >= key.Length || !int.TryParse(key.AsSpan(i + 1, 4), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var code))
            {
                return false;
            }

            builder.Append((char)code);
            i += 4;
        }

        value = builder.ToString();
        return true;
    }

    /// <summary>The blob name of a claim-checked body: <c>{source}/{event key}/{delivery key}.json</c>.</summary>
    public static string PayloadBlobName(string source, string eventId, string deliveryId) =>
        $"{Key(source)}/{Key(eventId)}/{Key(deliveryId)}.json";

    private static string Bound(string encoded)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(encoded)));
        return string.Concat(encoded.AsSpan(0, MaxLength - Bounded.Length - HashChars), Bounded, hash);
    }

    private static bool IsPlain(char c) => Plain.Contains(c);

    private static bool IsPlain(string value) => !value.AsSpan().ContainsAnyExcept(Plain);
}
