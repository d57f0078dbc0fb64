namespace Scalekit.Webhooks.Billing;

/// <summary>Scalekit's limits on organization metadata, checked before any PATCH so a violation is never truncated silently.</summary>
public static class OrganizationMetadata
{
    public const int MaxPairs = 10;

    /// <summary>Returns null when <paramref name="metadata"/> is within Scalekit's limits, else what is wrong.</summary>
    public static string? Validate(IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.Count > MaxPairs)
        {
            return $"organization metadata would hold {metadata.Count} pairs; Scalekit allows at most {MaxPairs} (keys: {string.Join(", ", metadata.Keys.Order(StringComparer.Ordinal))})";
        }

        foreach (var (key, value) in metadata)
        {
            if (key.Length is < 3 or > 25)
            {
                return $"metadata key '{key}' has {key.Length} characters; Scalekit allows 3 to 25";
            }

            if (value.Length is < 1 or > 256)
            {
                return $"metadata value of '{key}' has {value.Length} characters; Scalekit allows 1 to 256";
            }
        }

        return null;
    }
}

/// <summary>The sync cannot succeed however often it is retried (metadata limits, a 400/403/422 from Scalekit).</summary>
public sealed class PermanentSyncException(string message, Exception? inner = null) : Exception(message, inner);
