using System.Text;
using System.Text.Json;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Storage;

/// <summary>
/// Chooses an event's shard: a stable hash of the entity the event belongs to, so all events of one organization,
/// customer or employee share a queue (and keep their order there), whatever instance or process ingests them.
/// </summary>
public static class EventShards
{
    /// <summary>The entity an event belongs to, as its source reads it (<see cref="EventSource.EntityKey"/>); null when the body names none (the event id is used then).</summary>
    public static string? EntityKey(WebhookSource source, ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(payload);
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object ? EventSources.Of(source).EntityKey(document.RootElement) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The shard (0 to <paramref name="shards"/> - 1) of <paramref name="entityKey"/>.</summary>
    public static int ShardOf(string entityKey, int shards)
    {
        ArgumentNullException.ThrowIfNull(entityKey);
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        return shards == 1 ? 0 : (int)(Fnv1a(entityKey) % (uint)shards);
    }

    /// <summary>The shard of <paramref name="envelope"/>: by its entity key, else by its event id.</summary>
    public static int ShardOf(EventEnvelope envelope, int shards)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return shards == 1 ? 0 : ShardOf(envelope.ShardKey ?? EntityKey(envelope.Source, envelope.InlinePayload.Span) ?? envelope.EventId, shards);
    }

    /// <summary>32-bit FNV-1a over the UTF-8 bytes: the same in every process and .NET version, unlike <see cref="string.GetHashCode()"/>.</summary>
    private static uint Fnv1a(string key)
    {
        var hash = 2166136261u;
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetByteCount(key) <= buffer.Length ? buffer[..Encoding.UTF8.GetBytes(key, buffer)] : Encoding.UTF8.GetBytes(key);
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash;
    }
}
