namespace Scalekit.Webhooks.State;

/// <summary>
/// One row an event wants to write: the properties to set (null removes one) and whether the row is soft-deleted.
/// Applied only when the event is newer than the last one applied to that row. The partition and row are ids as the
/// sender wrote them; <see cref="StateStore"/> turns them into keys with <see cref="Storage.StorageKeys"/>.
/// </summary>
public sealed record StateChange(string Table, string PartitionId, string RowId, IReadOnlyDictionary<string, object?> Properties, bool SoftDelete = false);

/// <summary>Whether a change was written, or skipped because the row already reflects a newer event.</summary>
public enum ApplyResult
{
    Applied,
    Stale,
}
