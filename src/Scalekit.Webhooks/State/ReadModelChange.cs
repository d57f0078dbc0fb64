using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.State;

/// <summary>
/// What one event says about one aggregate of the read model (an organization, a membership, a subscription…).
/// Processors build these, never rows: the aggregate's store alone knows the table, keys and columns it becomes.
/// </summary>
public abstract record ReadModelChange
{
    /// <summary>The row its store writes for this change, applied in event order by <see cref="StateStore"/>.</summary>
    public abstract StateChange ToRow();
}
