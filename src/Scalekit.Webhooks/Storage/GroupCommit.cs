using Azure;
using Azure.Data.Tables;

namespace Scalekit.Webhooks.Storage;

/// <summary>
/// Inserts the rows that concurrent callers hand in at about the same time with one entity-group transaction, so a
/// batch of events costs one write instead of one each. A caller that expects to add a row joins its group first; the
/// group writes what it holds as soon as every member has added its row or left, when the oldest row has waited
/// <c>linger</c>, or at a transaction's limits (100 rows, a few MiB). All rows of one write go to one partition, which
/// <c>partitionOfWrite</c> picks anew for each write. When storage refuses the transaction for one row (it exists, or
/// storage will not take it), each row is inserted on its own, so every caller gets its own answer.
/// </summary>
public sealed class GroupCommit(TableClient table, Func<string, string> partitionOfWrite, TimeSpan linger, TimeProvider time)
{
    /// <summary>Most rows in one entity-group transaction.</summary>
    public const int MaxRows = 100;

    /// <summary>Most bytes (as estimated by callers) in one write; a transaction's body may not exceed 4 MiB.</summary>
    public const long MaxBytes = 3 * 1024 * 1024;

    private readonly Dictionary<string, Group> _groups = new(StringComparer.Ordinal);

    /// <summary>Joins <paramref name="group"/>: its writes wait for this member's row (or its leaving) until the linger runs out.</summary>
    public Member Join(string group)
    {
        ArgumentNullException.ThrowIfNull(group);
        lock (_groups)
        {
            if (!_groups.TryGetValue(group, out var state))
            {
                _groups[group] = state = new Group(group);
            }

            state.Expected++;
            return new Member(this, state);
        }
    }

    /// <summary>
    /// Inserts <paramref name="row"/> (its partition key is set here) with the rows of the other members. True when it
    /// was written; false when a row with its keys exists already in the partition it went to. Throws what storage
    /// answered otherwise.
    /// </summary>
    public Task<bool> AddAsync(Member member, TableEntity row, long approximateBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(member);
        ArgumentNullException.ThrowIfNull(row);
        var pending = new Pending(row, Math.Max(1, approximateBytes));
        List<Pending>? write;
        lock (_groups)
        {
            if (member.State != MemberState.Joined)
            {
                throw new InvalidOperationException("A member adds one row, before it leaves.");
            }

            member.State = MemberState.Added;
            var group = member.Group;
            group.Expected--;
            group.Rows.Add(pending);
            group.Bytes += pending.Bytes;
            write = TakeIfDue(group);
        }

        Start(member.Group, write);
        return pending.Done.Task.WaitAsync(cancellationToken);
    }

    private void Leave(Member member)
    {
        List<Pending>? write;
        lock (_groups)
        {
            var wasWaitedFor = member.State == MemberState.Joined;
            member.State = MemberState.Left;
            if (!wasWaitedFor)
            {
                return;
            }

            member.Group.Expected--;
            write = member.Group.Rows.Count > 0 ? TakeIfDue(member.Group) : null;
        }

        Start(member.Group, write);
    }

    /// <summary>Under the lock: the rows to write now, if the group is due; else arms the linger for its oldest row.</summary>
    private List<Pending>? TakeIfDue(Group group)
    {
        if (group.Expected > 0 && group.Rows.Count < MaxRows && group.Bytes < MaxBytes)
        {
            if (!group.LingerArmed)
            {
                group.LingerArmed = true;
                _ = LingerAsync(group, group.Generation);
            }

            return null;
        }

        return Take(group);
    }

    private static List<Pending> Take(Group group)
    {
        var taken = new List<Pending>();
        long bytes = 0;
        foreach (var row in group.Rows)
        {
            if (taken.Count == MaxRows || (taken.Count > 0 && bytes + row.Bytes > MaxBytes))
            {
                break;
            }

            taken.Add(row);
            bytes += row.Bytes;
        }

        group.Rows.RemoveRange(0, taken.Count);
        group.Bytes -= bytes;
        group.Generation++;
        group.LingerArmed = false;
        return taken;
    }

    private async Task LingerAsync(Group group, long generation)
    {
        await Task.Delay(linger, time).ConfigureAwait(false);
        List<Pending>? write = null;
        lock (_groups)
        {
            if (group.Generation == generation && group.Rows.Count > 0)
            {
                write = Take(group);
            }
        }

        Start(group, write);
    }

    private void Start(Group group, List<Pending>? write)
    {
        while (write is { Count: > 0 })
        {
            var rows = write;
            _ = Task.Run(() => WriteAsync(group.Name, rows));
            write = null;
            lock (_groups)
            {
                // What is left past a transaction's limits goes at once, or waits for its linger like any row.
                if (group.Rows.Count > 0)
                {
                    write = TakeIfDue(group);
                }
            }
        }
    }

    private async Task WriteAsync(string group, List<Pending> rows)
    {
        var partition = partitionOfWrite(group);
        foreach (var row in rows)
        {
            row.Row.PartitionKey = partition;
        }

        if (rows.Count == 1)
        {
            await InsertAsync(rows[0]).ConfigureAwait(false);
            return;
        }

        try
        {
            await table.SubmitTransactionAsync(rows.Select(row => new TableTransactionAction(TableTransactionActionType.Add, row.Row))).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 400 or 413)
        {
            // One row spoiled the transaction, or the whole was too large: each row on its own gets its own answer.
            await Task.WhenAll(rows.Select(InsertAsync)).ConfigureAwait(false);
            return;
        }
        catch (Exception ex)
        {
            foreach (var row in rows)
            {
                row.Done.TrySetException(ex);
            }

            return;
        }

        foreach (var row in rows)
        {
            row.Done.TrySetResult(true);
        }
    }

    private async Task InsertAsync(Pending row)
    {
        try
        {
            await table.AddEntityAsync(row.Row).ConfigureAwait(false);
            row.Done.TrySetResult(true);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            row.Done.TrySetResult(false);
        }
        catch (Exception ex)
        {
            row.Done.TrySetException(ex);
        }
    }

    /// <summary>One caller's place in a group: add one row, or leave; disposing leaves.</summary>
    public sealed class Member : IDisposable
    {
        private readonly GroupCommit _owner;

        internal Member(GroupCommit owner, Group group)
        {
            _owner = owner;
            Group = group;
        }

        internal Group Group { get; }

        internal MemberState State { get; set; }

        public void Dispose() => _owner.Leave(this);
    }

    internal enum MemberState
    {
        Joined,
        Added,
        Left,
    }

    internal sealed class Group(string name)
    {
        public string Name { get; } = name;

        /// <summary>Members that have neither added a row nor left.</summary>
        public int Expected { get; set; }

        public List<Pending> Rows { get; } = [];

        public long Bytes { get; set; }

        /// <summary>Counts writes taken, so a linger armed before one does not take the rows after it early.</summary>
        public long Generation { get; set; }

        public bool LingerArmed { get; set; }
    }

    internal sealed class Pending(TableEntity row, long bytes)
    {
        public TableEntity Row { get; } = row;

        public long Bytes { get; } = bytes;

        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
