using System.Globalization;

namespace Scalekit.Webhooks.Processing;

/// <summary>How many times a queue has handed out a message, as a host's trigger metadata gives it.</summary>
public static class DequeueCount
{
    /// <summary>The metadata name the Functions queue trigger uses.</summary>
    public const string MetadataName = "DequeueCount";

    /// <summary>
    /// The count from trigger metadata (a number, or its text); 0 when it is missing or unreadable, which the consumer
    /// treats as a redelivery, the safe side.
    /// </summary>
    public static long From(IReadOnlyDictionary<string, object?> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return metadata.TryGetValue(MetadataName, out var value) && value is not null
            && long.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) && count > 0
            ? count
            : 0;
    }
}
