using System.Collections;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Processing;

/// <summary>
/// The log scope of one processed event: its source, event id, type and delivery id as key/value pairs, which is what
/// structured loggers read from a scope. One small object per event instead of a dictionary.
/// </summary>
internal sealed class EventLogScope(EventEnvelope envelope) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => 4;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("Source", envelope.Source.Name),
        1 => new("EventId", envelope.EventId),
        2 => new("EventType", envelope.EventType),
        3 => new("DeliveryId", envelope.DeliveryId),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"{envelope.Source.Name} event {envelope.EventId} ({envelope.EventType}), delivery {envelope.DeliveryId}";
}
