using System.Globalization;
using System.Text;

namespace Scalekit.Webhooks.Crm;

/// <summary>
/// The organization metadata an account's facts become, in the configured layout. Compact (the default) is one key,
/// <c>crm</c>, readable in the Scalekit dashboard: <c>industry=Software;account_type=Enterprise;synced=2026-12-07T10:00:00Z</c>
/// (the mapped keys in the order of <c>CRM_ACCOUNT_FIELDS</c>, then the sync time; a <c>%</c>, <c>;</c> or <c>=</c>
/// in a value is written <c>%25</c>, <c>%3B</c>, <c>%3D</c>). Keys is one key per fact plus <c>last_crm_sync</c>.
/// </summary>
public static class CrmAccountMetadata
{
    /// <summary>The name of the sync time inside the compact value.</summary>
    public const string SyncedName = "synced";

    /// <summary>
    /// The pairs to write for <paramref name="facts"/> (mapped key → value) stamped <paramref name="syncedAt"/>; in
    /// compact mode none when there are no facts.
    /// </summary>
    public static Dictionary<string, string> Layout(CrmMetadataMode mode, IReadOnlyDictionary<string, string> facts, string? syncedAt)
    {
        ArgumentNullException.ThrowIfNull(facts);
        if (mode == CrmMetadataMode.Keys)
        {
            var pairs = new Dictionary<string, string>(facts, StringComparer.Ordinal);
            if (syncedAt is not null)
            {
                pairs[CrmOptions.AccountSyncKey] = syncedAt;
            }

            return pairs;
        }

        if (facts.Count == 0)
        {
            // Nothing to say: no key, rather than one holding only a sync time.
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }

        var parts = facts.Select(f => $"{f.Key}={Escape(f.Value)}").ToList();
        if (syncedAt is not null)
        {
            parts.Add($"{SyncedName}={syncedAt}");
        }

        return new Dictionary<string, string>(StringComparer.Ordinal) { [CrmOptions.CompactKey] = string.Join(';', parts) };
    }

    /// <summary>When the CRM sync last changed the organization, read from either layout (the older one included).</summary>
    public static string? LastSync(IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return metadata.TryGetValue(CrmOptions.CompactKey, out var compact) && Parse(compact).TryGetValue(SyncedName, out var synced)
            ? synced
            : metadata.GetValueOrDefault(CrmOptions.AccountSyncKey);
    }

    /// <summary>The name → value pairs of a compact value.</summary>
    public static IReadOnlyDictionary<string, string> Parse(string compact)
    {
        ArgumentNullException.ThrowIfNull(compact);
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in compact.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var pair = part.Split('=', 2);
            if (pair.Length == 2)
            {
                pairs[pair[0]] = Unescape(pair[1]);
            }
        }

        return pairs;
    }

    public static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Escape(string value) =>
        value.Replace("%", "%25", StringComparison.Ordinal).Replace(";", "%3B", StringComparison.Ordinal).Replace("=", "%3D", StringComparison.Ordinal);

    private static string Unescape(string value)
    {
        if (!value.Contains('%', StringComparison.Ordinal))
        {
            return value;
        }

        var text = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '%' && i + 2 < value.Length && int.TryParse(value.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
            {
                text.Append((char)code);
                i += 2;
            }
            else
            {
                text.Append(value[i]);
            }
        }

        return text.ToString();
    }
}
