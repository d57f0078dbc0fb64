using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Testing;

namespace Scalekit.Webhooks.IntegrationTests.Stores;

/// <summary>Rows of concurrent callers written together, against Azurite: when a write goes, and what each caller hears.</summary>
public sealed class GroupCommitTests : IAsyncLifetime
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);

    private readonly StorageRequests _requests = new();
    private Azurite _storage = null!;
    private TableClient _table = null!;
    private int _writes;

    public async Task InitializeAsync()
    {
        _storage = await Azurite.StartNewAsync();
        _table = _requests.Clients(_storage.ConnectionString).Tables.GetTableClient("GroupCommitRows");
        await _table.CreateIfNotExistsAsync();
        _requests.Clear();
    }

    public async Task DisposeAsync() => await _storage.DisposeAsync();

    [Fact]
    public async Task EveryMemberAdding_IsOneTransaction_IntoOnePartition()
    {
        var commit = Commit(Long);
        var members = Enumerable.Range(0, 10).Select(_ => commit.Join("a")).ToArray();

        var added = await Task.WhenAll(members.Select((member, i) => commit.AddAsync(member, Row(i), 100)));

        Assert.All(added, Assert.True);
        Assert.Equal(["POST /$batch"], Requests());
        var rows = await _table.QueryAsync<TableEntity>().ToListAsync();
        Assert.Equal(10, rows.Count);
        Assert.Single(rows.Select(row => row.PartitionKey).Distinct());
    }

    [Fact]
    public async Task AMemberLeavingWithoutARow_LetsTheOthersGoAtOnce()
    {
        var commit = Commit(Long);
        var adding = new[] { commit.Join("a"), commit.Join("a") };
        var leaving = commit.Join("a");

        var pending = Task.WhenAll(adding.Select((member, i) => commit.AddAsync(member, Row(i), 100)));
        await Task.Delay(200);
        Assert.False(pending.IsCompleted, "the rows wait for the third member");
        leaving.Dispose();

        Assert.All(await pending.WaitAsync(TimeSpan.FromSeconds(30)), Assert.True);
        Assert.Equal(2, (await _table.QueryAsync<TableEntity>().ToListAsync()).Count);
    }

    [Fact]
    public async Task AMemberThatNeverAdds_HoldsTheRowsOnlyForTheLinger()
    {
        var commit = Commit(TimeSpan.FromMilliseconds(300));
        using var slow = commit.Join("a");
        var fast = commit.Join("a");

        Assert.True(await commit.AddAsync(fast, Row(1), 100).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Single(await _table.QueryAsync<TableEntity>().ToListAsync());
    }

    [Fact]
    public async Task GroupsAreWrittenApart()
    {
        var commit = Commit(Long);
        var a = commit.Join("a");
        var b = commit.Join("b");

        Assert.True(await commit.AddAsync(a, Row(1), 100).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(await commit.AddAsync(b, Row(2), 100).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(["POST /GroupCommitRows", "POST /GroupCommitRows"], Requests());
    }

    [Fact]
    public async Task ARowThatExistsAlready_IsRefusedAlone_TheOthersAreWritten()
    {
        // Every write goes to one partition here, so the existing row's key collides.
        var commit = new GroupCommit(_table, _ => "fixed", Long, TimeProvider.System);
        await _table.AddEntityAsync(new TableEntity("fixed", "row-1"));
        var members = Enumerable.Range(0, 3).Select(_ => commit.Join("a")).ToArray();

        var added = await Task.WhenAll(members.Select((member, i) => commit.AddAsync(member, Row(i), 100)));

        Assert.Equal([true, false, true], added);
        Assert.Equal(3, (await _table.QueryAsync<TableEntity>().ToListAsync()).Count);
    }

    [Fact]
    public async Task StorageFailingTheTransaction_FailsEveryMember_AndWritesNothing()
    {
        var commit = Commit(Long);
        var members = Enumerable.Range(0, 3).Select(_ => commit.Join("a")).ToArray();
        _requests.FailNext(line => line.EndsWith("/$batch", StringComparison.Ordinal));

        var writes = members.Select((member, i) => commit.AddAsync(member, Row(i), 100)).ToArray();

        foreach (var write in writes)
        {
            Assert.Equal(503, (await Assert.ThrowsAsync<RequestFailedException>(() => write)).Status);
        }

        Assert.Empty(await _table.QueryAsync<TableEntity>().ToListAsync());
    }

    [Fact]
    public async Task MoreRowsThanATransactionHolds_GoInSeveral()
    {
        var commit = Commit(Long);
        var members = Enumerable.Range(0, GroupCommit.MaxRows + 20).Select(_ => commit.Join("a")).ToArray();

        var added = await Task.WhenAll(members.Select((member, i) => commit.AddAsync(member, Row(i), 100)));

        Assert.All(added, Assert.True);
        Assert.Equal(["POST /$batch", "POST /$batch"], Requests());
        Assert.Equal(GroupCommit.MaxRows + 20, (await _table.QueryAsync<TableEntity>().ToListAsync()).Count);
    }

    [Fact]
    public async Task RowsPastTheByteLimit_GoInTheNextWrite()
    {
        var commit = Commit(Long);
        var members = Enumerable.Range(0, 4).Select(_ => commit.Join("a")).ToArray();

        var added = await Task.WhenAll(members.Select((member, i) => commit.AddAsync(member, Row(i), GroupCommit.MaxBytes / 2)));

        Assert.All(added, Assert.True);
        Assert.Equal(["POST /$batch", "POST /$batch"], Requests());
    }

    [Fact]
    public async Task ATransactionStorageFindsTooLarge_IsWrittenRowByRow()
    {
        // The callers' estimates are low: storage refuses the whole request (413), not one of its rows.
        var commit = Commit(Long);
        var members = Enumerable.Range(0, 40).Select(_ => commit.Join("a")).ToArray();

        var added = await Task.WhenAll(members.Select((member, i) => commit.AddAsync(member, LargeRow(i), 100)));

        Assert.All(added, Assert.True);
        Assert.Equal("POST /$batch", Requests()[0]);
        Assert.Equal(40, (await _table.QueryAsync<TableEntity>().ToListAsync()).Count);
    }

    [Fact]
    public async Task AddingTwice_OrAfterLeaving_IsRefused()
    {
        var commit = Commit(Long);
        var member = commit.Join("a");
        member.Dispose();

        await Assert.ThrowsAsync<InvalidOperationException>(() => commit.AddAsync(member, Row(1), 100));
    }

    private GroupCommit Commit(TimeSpan linger) =>
        new(_table, group => $"{group}-{Interlocked.Increment(ref _writes):D2}", linger, TimeProvider.System);

    private static TableEntity Row(int i) => new(string.Empty, $"row-{i}") { ["Value"] = i };

    /// <summary>About 120 KB of text: forty of them pass the 4 MiB a transaction's body may hold.</summary>
    private static TableEntity LargeRow(int i) => new(string.Empty, $"row-{i}")
    {
        ["A"] = new string('a', 30_000),
        ["B"] = new string('b', 30_000),
        ["C"] = new string('c', 30_000),
        ["D"] = new string('d', 30_000),
    };

    /// <summary>The requests seen, as <c>METHOD /path</c> within the account.</summary>
    private string[] Requests() => [.. _requests.Seen.Select(line => line.Replace(" devstoreaccount1/", " /", StringComparison.Ordinal).Replace(" /devstoreaccount1/", " /", StringComparison.Ordinal))];
}
