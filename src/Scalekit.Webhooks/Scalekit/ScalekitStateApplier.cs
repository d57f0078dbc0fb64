using System.Text.Json;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;


namespace Scalekit.Webhooks.Scalekit;

/// <summary>
/// Applies a Scalekit event to the read model in event order: each change becomes its store's row, and a directory
/// user's change goes to <see cref="DirectoryUserStore"/> with its group memberships.
/// </summary>
public sealed class ScalekitStateApplier(StateStore store, DirectoryUserStore directoryUsers)
{
    /// <summary>Returns null for a type that changes nothing (ignored), else whether anything was applied.</summary>
    public Task<ApplyResult?> ApplyAsync(JsonElement root, EventStamp stamp, CancellationToken cancellationToken = default) =>
        ApplyAsync(ScalekitEventMapper.Map(root), stamp, cancellationToken);

    /// <summary>Returns null for a plan that changes nothing (ignored), else whether anything was applied.</summary>
    public async Task<ApplyResult?> ApplyAsync(ScalekitEventPlan plan, EventStamp stamp, CancellationToken cancellationToken = default) =>
        (await ApplyPlanAsync(plan, stamp, cancellationToken).ConfigureAwait(false))?.Result;

    /// <summary>
    /// Returns null for a plan that changes nothing (ignored), else whether anything was applied and whether this call
    /// made the event's first write: it wrote the plan's first row, which no earlier call for the event had written (at
    /// most one call per event ever does, as each row's writes are ordered by ETag and stamp).
    /// </summary>
    public async Task<PlanApply?> ApplyPlanAsync(ScalekitEventPlan plan, EventStamp stamp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.IsIgnored)
        {
            return null;
        }

        var applied = false;
        bool? firstWrite = null;
        foreach (var change in plan.Changes)
        {
            var row = plan.GroupMembership is { } membership && change is DirectoryUserChange or DirectoryUserRemoval
                ? await directoryUsers.ApplyAsync(change, membership, stamp, cancellationToken).ConfigureAwait(false)
                : await store.ApplyRowAsync(change.ToRow(), stamp, cancellationToken).ConfigureAwait(false);
            applied |= row.Result == ApplyResult.Applied;
            firstWrite ??= row.Result == ApplyResult.Applied && !row.Repeated;
        }

        return new PlanApply(applied ? ApplyResult.Applied : ApplyResult.Stale, firstWrite == true);
    }
}

/// <summary>What applying an event's plan did (see <see cref="ScalekitStateApplier.ApplyPlanAsync"/>).</summary>
public sealed record PlanApply(ApplyResult Result, bool FirstWrite);
