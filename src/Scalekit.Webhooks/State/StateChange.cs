namespace Scalekit.Webhooks.State;

/// <summary>
/// One row an event wants to write: the properties to set (null removes one) and whether the row is soft-deleted.
/// Applied only when the event is newer than the last one applied to that row.
/// </summary>
public sealed record StateChange(string Table, string PartitionKey, string RowKey, IReadOnlyDictionary<string, object?> Properties, bool SoftDelete = false);

/// <summary>Whether a change was written, or skipped because the row already reflects a newer event.</summary>
public enum ApplyResult
{
    Applied,
    Stale,
}
