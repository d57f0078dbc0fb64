using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;

namespace Scalekit.Webhooks.DeadLetters;

/// <summary>Where a dead letter stands.</summary>
public enum DeadLetterStatus
{
    /// <summary>Waiting for a person (the same word, and state, as the ledger's <see cref="ProcessingStatus.Parked"/>).</summary>
    Parked,

    /// <summary>Sent back to its queue by an operator; not settled yet.</summary>
    Replayed,

    /// <summary>Replayed and then processed.</summary>
    Resolved,
}

/// <summary>The one wire spelling of each <see cref="DeadLetterStatus"/>, in storage and in the operations API.</summary>
public static class DeadLetterStatuses
{
    public static string Name(this DeadLetterStatus status) => status switch
    {
        DeadLetterStatus.Parked => ProcessingStatus.Parked.Name(),
        DeadLetterStatus.Replayed => "replayed",
        DeadLetterStatus.Resolved => "resolved",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static bool TryParse(string? name, out DeadLetterStatus status)
    {
        foreach (var candidate in Enum.GetValues<DeadLetterStatus>())
        {
            if (string.Equals(candidate.Name(), name, StringComparison.OrdinalIgnoreCase))
            {
                status = candidate;
                return true;
            }
        }

        status = default;
        return false;
    }
}

/// <summary>One parked event and the queue message that carried it (null once erased or not read).</summary>
public sealed record DeadLetter(
    WebhookSource Source,
    string EventId,
    string EventType,
    DeadLetterStatus Status,
    string Reason,
    int Attempts,
    int ReplayCount,
    int TimesParked,
    DateTimeOffset? FirstFailureAt,
    DateTimeOffset? LastFailureAt,
    DateTimeOffset? ParkedAt,
    DateTimeOffset? ReplayedAt,
    DateTimeOffset? ResolvedAt,
    DateTimeOffset? MessageRemovedAt,
    BinaryData? Message);

/// <summary>
/// What <see cref="DeadLetterStore.ParkAsync"/> parks: the event (or work item) and the queue message that carried it,
/// why, how often it was tried and replayed, and when it first failed (null: now, or what an earlier parking said).
/// </summary>
public sealed record DeadLetterParking(
    WebhookSource Source,
    string EventId,
    string EventType,
    BinaryData Message,
    string Reason,
    int Attempts,
    int ReplayCount,
    DateTimeOffset? FirstFailureAt);
