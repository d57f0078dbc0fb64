namespace Scalekit.Webhooks.State;

/// <summary>
/// When an event happened and which event it was: the order in which state changes are applied. Later time wins;
/// at the same time the larger event id wins, so every consumer agrees on one order.
/// </summary>
public sealed record EventStamp(DateTimeOffset OccurredAt, string EventId, string EventType) : IComparable<EventStamp>
{
    public int CompareTo(EventStamp? other)
    {
        if (other is null)
        {
            return 1;
        }

        var byTime = OccurredAt.CompareTo(other.OccurredAt);
        return byTime != 0 ? byTime : string.CompareOrdinal(EventId, other.EventId);
    }

    public static bool operator <(EventStamp left, EventStamp right) => left.CompareTo(right) < 0;

    public static bool operator >(EventStamp left, EventStamp right) => left.CompareTo(right) > 0;

    public static bool operator <=(EventStamp left, EventStamp right) => left.CompareTo(right) <= 0;

    public static bool operator >=(EventStamp left, EventStamp right) => left.CompareTo(right) >= 0;
}
