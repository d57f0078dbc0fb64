using Scalekit.Webhooks.State;

namespace Scalekit.Webhooks.Storage;

/// <summary>
/// One row an event wants to write: the properties to set (null removes one) and whether the row is soft-deleted.
/// Applied only when the event is newer than the last one applied to that row. The partition and row are ids as the
/// sender wrote them; <see cref="StateStore"/> turns them into keys with <see cref="Storage.StorageKeys"/>.
/// </summary>
public sealed record StateChange(string Table, string PartitionId, string RowId, IReadOnlyDictionary<string, object?> Properties, bool SoftDelete = false)
{
    /// <summary>
    /// The row most likely does not exist yet: a row this process does not remember is inserted at once and read only
    /// when the insert finds it (409), instead of read first.
    /// </summary>
    public bool LikelyNew { get; init; }
}

/// <summary>
/// What <see cref="StateStore.ApplyAsync(StateChange, EventStamp, Func{IReadOnlyDictionary{string, object}?, IReadOnlyDictionary{string, object?}}, CancellationToken)"/>
/// did, and the stored columns it decided on: the row before this event's write (null: there was none), or the row as it
/// is when it needed no write (stale, or this very event applied already: <see cref="Repeated"/>).
/// </summary>
public sealed record RowApply(ApplyResult Result, IReadOnlyDictionary<string, object>? Row, bool Repeated);

/// <summary>Whether a change was written, or skipped because the row already reflects a newer event.</summary>
public enum ApplyResult
{
    Applied,
    Stale,
}
