namespace Scalekit.Webhooks.ScalekitApi;

/// <summary>
/// Scalekit's limits on organization metadata (at most 10 pairs, keys of 3–25 characters, values of 1–256) and how a
/// writer that owns some keys shares them with the organization's own keys and other writers (billing now, the CRM
/// sync next). Scalekit replaces the whole map on PATCH, so every writer merges its keys into the current map here
/// and sends the result only when it fits; nothing is ever truncated.
/// </summary>
public static class MetadataBudget
{
    public const int MaxPairs = 10;
    public const int MinKeyLength = 3;
    public const int MaxKeyLength = 25;
    public const int MaxValueLength = 256;

    /// <summary>
    /// Merges <paramref name="desired"/> into <paramref name="current"/>: keys in <paramref name="ownedKeys"/> that
    /// <paramref name="desired"/> leaves out are removed, every other key of the organization is kept as it is.
    /// </summary>
    /// <remarks><paramref name="writer"/> names who owns <paramref name="ownedKeys"/> ("billing") in the refusal text.</remarks>
    public static MetadataMerge Merge(
        IReadOnlyDictionary<string, string> current,
        IReadOnlyCollection<string> ownedKeys,
        IReadOnlyDictionary<string, string> desired,
        string writer)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(ownedKeys);
        ArgumentNullException.ThrowIfNull(desired);
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in current)
        {
            if (!ownedKeys.Contains(key) && !desired.ContainsKey(key))
            {
                merged[key] = value;
            }
        }

        var others = merged.Keys.Order(StringComparer.Ordinal).ToList();
        foreach (var (key, value) in desired)
        {
            merged[key] = value;
        }

        var changed = merged.Count != current.Count || merged.Any(pair => !current.TryGetValue(pair.Key, out var old) || old != pair.Value);
        if (merged.Count > MaxPairs)
        {
            return new MetadataMerge(merged, changed,
                $"organization metadata would hold {merged.Count} pairs and Scalekit allows {MaxPairs}: the organization's other keys ({others.Count}: {string.Join(", ", others)}) " +
                $"leave {Math.Max(0, MaxPairs - others.Count)} for {writer}, which needs {desired.Count} ({string.Join(", ", desired.Keys.Order(StringComparer.Ordinal))})");
        }

        return new MetadataMerge(merged, changed, Validate(merged));
    }

    /// <summary>Returns null when every pair is within Scalekit's key and value limits, else what is wrong.</summary>
    public static string? Validate(IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.Count > MaxPairs)
        {
            return $"organization metadata would hold {metadata.Count} pairs; Scalekit allows at most {MaxPairs} (keys: {string.Join(", ", metadata.Keys.Order(StringComparer.Ordinal))})";
        }

        foreach (var (key, value) in metadata)
        {
            if (key.Length is < MinKeyLength or > MaxKeyLength)
            {
                return $"metadata key '{key}' has {key.Length} characters; Scalekit allows {MinKeyLength} to {MaxKeyLength}";
            }

            if (value.Length is < 1 or > MaxValueLength)
            {
                return $"metadata value of '{key}' has {value.Length} characters; Scalekit allows 1 to {MaxValueLength}";
            }
        }

        return null;
    }
}

/// <summary>The map to send, whether it differs from the organization's current one, and why it cannot be sent (null when it can).</summary>
public sealed record MetadataMerge(IReadOnlyDictionary<string, string> Metadata, bool Changed, string? Refusal)
{
    public bool Fits => Refusal is null;
}
