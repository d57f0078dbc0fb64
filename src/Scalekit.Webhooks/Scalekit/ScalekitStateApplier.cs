using System.Text.Json;
using Column = Scalekit.Webhooks.State.ReadModelColumns;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;


namespace Scalekit.Webhooks.Scalekit;

/// <summary>Applies a Scalekit event to the read model in event order.</summary>
/// <remarks>
/// A directory user's row keeps the groups that may have a live member row (<c>GroupIds</c>) and whether that list is
/// exact (<c>GroupIdsSettled</c>), so an update whose groups equal a settled list writes the user row alone. When the
/// groups change, the user row is written first with the union of the old and new groups, unsettled; then the member
/// rows; then the list is settled to the new groups. A crash or a failed write in between leaves the row unsettled, and
/// whichever event comes next (the redelivery, or a newer event overtaking it) removes every listed group it does not
/// have and writes every one it has, so no member row is left live by an event that did not finish.
/// </remarks>
public sealed class ScalekitStateApplier(StateStore store, ReadModel readModel)
{
    /// <summary>Longest group list kept on a row (a Table string holds 32K characters); past it the member rows are queried.</summary>
    private const int MaxGroupIdsChars = 16_000;

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
            var row = plan.GroupMembership is { } membership && change.Table == StateTables.DirectoryUsers
                ? await ApplyDirectoryUserAsync(change, membership, stamp, cancellationToken).ConfigureAwait(false)
                : await store.ApplyRowAsync(change, stamp, cancellationToken).ConfigureAwait(false);
            applied |= row.Result == ApplyResult.Applied;
            firstWrite ??= row.Result == ApplyResult.Applied && !row.Repeated;
        }

        return new PlanApply(applied ? ApplyResult.Applied : ApplyResult.Stale, firstWrite == true);
    }

    private async Task<RowApply> ApplyDirectoryUserAsync(StateChange user, GroupMembershipChange membership, EventStamp stamp, CancellationToken cancellationToken)
    {
        var groups = membership.UserDeleted ? [] : membership.GroupIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        GroupList? listedForWrite = null;
        var write = await store.ApplyAsync(user, stamp, row => GroupColumns(listedForWrite = Listed(row), groups), cancellationToken).ConfigureAwait(false);
        if (write.Result == ApplyResult.Stale)
        {
            return write;
        }

        // A write was decided on the list last read into its columns; only the same event again wrote nothing.
        var listed = write.Repeated ? Listed(write.Row) : listedForWrite;
        if (listed is { Settled: true } && listed.Ids.SetEquals(groups))
        {
            return write;
        }

        // Unknown (a row written before the list was kept): the member rows themselves say which groups may be live.
        var live = listed?.Ids ?? new HashSet<string>(await readModel.GroupsOfAsync(membership.OrganizationId, membership.DirectoryUserId, cancellationToken).ConfigureAwait(false), StringComparer.Ordinal);
        var everyGroup = listed is not { Settled: true };
        foreach (var groupId in live.Except(groups, StringComparer.Ordinal))
        {
            await store.ApplyAsync(MemberRow(membership, groupId, removed: true), stamp, cancellationToken).ConfigureAwait(false);
        }

        foreach (var groupId in groups.Where(g => everyGroup || !live.Contains(g)))
        {
            await store.ApplyAsync(MemberRow(membership, groupId, removed: false) with { LikelyNew = !live.Contains(groupId) }, stamp, cancellationToken).ConfigureAwait(false);
        }

        await store.AmendAsync(new StateChange(user.Table, user.PartitionId, user.RowId, Settled(groups)), stamp, cancellationToken).ConfigureAwait(false);
        return write;
    }

    /// <summary>The group columns this event writes with the user row, given what the row lists now.</summary>
    private static Dictionary<string, object?> GroupColumns(GroupList? listed, string[] groups)
    {
        if (listed is { Settled: true } && listed.Ids.SetEquals(groups))
        {
            return Settled(groups);
        }

        if (listed is null)
        {
            // Stays unknown until the member rows are reconciled against a query.
            return new Dictionary<string, object?> { [Column.GroupIds] = null, [Column.GroupIdsSettled] = null };
        }

        var union = listed.Ids.Union(groups, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        return List(union, settled: false);
    }

    private static Dictionary<string, object?> Settled(string[] groups) => List(groups, settled: true);

    private static Dictionary<string, object?> List(string[] groups, bool settled)
    {
        var json = JsonSerializer.Serialize(groups);
        return json.Length > MaxGroupIdsChars
            ? new Dictionary<string, object?> { [Column.GroupIds] = null, [Column.GroupIdsSettled] = null }
            : new Dictionary<string, object?> { [Column.GroupIds] = json, [Column.GroupIdsSettled] = settled };
    }

    /// <summary>What a stored user row lists; a user with no row yet has no member rows either; null: not known.</summary>
    private static GroupList? Listed(IReadOnlyDictionary<string, object>? row)
    {
        if (row is null)
        {
            return new GroupList(new HashSet<string>(StringComparer.Ordinal), Settled: true);
        }

        if (!row.TryGetValue(Column.GroupIds, out var value) || value is not string json)
        {
            return null;
        }

        var ids = JsonSerializer.Deserialize<string[]>(json) ?? [];
        return new GroupList(new HashSet<string>(ids, StringComparer.Ordinal), row.TryGetValue(Column.GroupIdsSettled, out var settled) && settled is true);
    }

    private static StateChange MemberRow(GroupMembershipChange membership, string groupId, bool removed) =>
        new(StateTables.DirectoryGroupMembers, membership.OrganizationId, StorageKeys.Key(groupId, membership.DirectoryUserId),
            new Dictionary<string, object?> { [Column.GroupId] = groupId, [Column.UserId] = membership.DirectoryUserId }, removed);

    private sealed record GroupList(HashSet<string> Ids, bool Settled);
}

/// <summary>What applying an event's plan did (see <see cref="ScalekitStateApplier.ApplyPlanAsync"/>).</summary>
public sealed record PlanApply(ApplyResult Result, bool FirstWrite);
