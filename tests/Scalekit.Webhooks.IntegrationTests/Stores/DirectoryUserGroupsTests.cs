using System.Text.Json.Nodes;
using System.Text.Json;
using Azure.Data.Tables;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.IntegrationTests.Stores;

/// <summary>
/// A directory user's group memberships against Azurite: the group list on the user row spares unchanged updates the
/// member query and writes, and a write that fails half-way never leaves a member row live that no event wants.
/// </summary>
public class DirectoryUserGroupsTests(StorageFixture storage) : IClassFixture<StorageFixture>
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private readonly StorageRequests _requests = new();
    private readonly string _org = SampleIds.New("org_grp");
    private readonly string _user = SampleIds.New("diruser_grp");
    private int _tick;

    [Fact]
    public async Task UnchangedGroups_WriteTheUserRowAlone_AndAChangeAfterManyStillMovesTheMemberRows()
    {
        var applier = Applier();
        await ApplyAsync(applier, "grp_a", "grp_b");

        _requests.Clear();
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(ApplyResult.Applied, await ApplyAsync(applier, "grp_b", "grp_a"));
        }

        Assert.Equal(20, _requests.Seen.Count);
        Assert.All(_requests.Seen, line => Assert.StartsWith("PUT ", line, StringComparison.Ordinal));
        Assert.DoesNotContain(_requests.Seen, line => line.Contains(StateTables.DirectoryGroupMembers, StringComparison.Ordinal));

        await ApplyAsync(applier, "grp_b", "grp_c");

        Assert.Equal(["grp_b", "grp_c"], await LiveGroupsAsync());
        Assert.Equal(["grp_a", "grp_b", "grp_c"], await MemberRowsAsync());
    }

    [Fact]
    public async Task AFailedMemberWrite_IsRepairedByTheRedelivery()
    {
        await ApplyAsync(Applier(), "grp_a");
        var change = Event("grp_b");
        _requests.FailNext(line => line.Contains(StateTables.DirectoryGroupMembers, StringComparison.Ordinal) && !line.StartsWith("GET", StringComparison.Ordinal));

        await Assert.ThrowsAsync<Azure.RequestFailedException>(() => Applier().ApplyAsync(change.Root, change.Stamp));
        Assert.Equal(["grp_a"], await LiveGroupsAsync());

        Assert.Equal(ApplyResult.Applied, await Applier().ApplyAsync(change.Root, change.Stamp));
        Assert.Equal(["grp_b"], await LiveGroupsAsync());

        // Settled again: the next unchanged update leaves the member rows alone.
        _requests.Clear();
        await ApplyAsync(Applier(), "grp_b");
        Assert.DoesNotContain(_requests.Seen, line => line.Contains(StateTables.DirectoryGroupMembers, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ACrashBeforeTheListIsSettled_ThenANewerEventOvertakingIt_LeavesNoStrayMember()
    {
        await ApplyAsync(Applier(), "grp_a");
        var joined = Event("grp_a", "grp_b");

        // The member row for grp_b is written, the user row's list is not settled: the next write to the user row fails.
        var applier = Applier();
        var memberWritten = false;
        _requests.FailNext(line =>
        {
            memberWritten |= line.Contains(StateTables.DirectoryGroupMembers, StringComparison.Ordinal) && !line.StartsWith("GET", StringComparison.Ordinal);
            return memberWritten && line.Contains(StateTables.DirectoryUsers, StringComparison.Ordinal);
        });
        await Assert.ThrowsAsync<Azure.RequestFailedException>(() => applier.ApplyAsync(joined.Root, joined.Stamp));
        Assert.Equal(["grp_a", "grp_b"], await LiveGroupsAsync());

        // A newer event that only has grp_a comes first; it must take grp_b away although it never listed grp_b.
        await ApplyAsync(Applier(), "grp_a");
        Assert.Equal(["grp_a"], await LiveGroupsAsync());

        // The redelivery of the older event is stale now and changes nothing.
        Assert.Equal(ApplyResult.Stale, await Applier().ApplyAsync(joined.Root, joined.Stamp));
        Assert.Equal(["grp_a"], await LiveGroupsAsync());
    }

    [Fact]
    public async Task ARowWrittenBeforeTheListWasKept_IsReconciledByAQueryOnce()
    {
        // As an older build left it: the user row without a list, member rows for grp_a and grp_b.
        var state = new StateStore(_requests.Clients(storage.Storage.ConnectionString), TimeProvider.System);
        var legacy = At.AddSeconds(-1);
        await state.ApplyAsync(new StateChange(StateTables.DirectoryUsers, _org, _user, new Dictionary<string, object?> { ["Email"] = "old@example.com" }), new EventStamp(legacy, "evt_legacy", "organization.directory.user_updated"));
        foreach (var group in new[] { "grp_a", "grp_b" })
        {
            await state.ApplyAsync(new StateChange(StateTables.DirectoryGroupMembers, _org, StorageKeys.Key(group, _user), new Dictionary<string, object?> { ["GroupId"] = group, ["UserId"] = _user }), new EventStamp(legacy, "evt_legacy", "organization.directory.user_updated"));
        }

        var applier = Applier();
        _requests.Clear();
        await ApplyAsync(applier, "grp_b");
        Assert.Contains(_requests.Seen, line => line.StartsWith("GET", StringComparison.Ordinal) && line.Contains(StateTables.DirectoryGroupMembers + "()", StringComparison.Ordinal));
        Assert.Equal(["grp_b"], await LiveGroupsAsync());

        _requests.Clear();
        await ApplyAsync(applier, "grp_b");
        Assert.DoesNotContain(_requests.Seen, line => line.Contains(StateTables.DirectoryGroupMembers, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ADeletedUser_LeavesEveryGroupItWasIn()
    {
        var applier = Applier();
        await ApplyAsync(applier, "grp_a", "grp_b");

        var options = Options();
        await applier.ApplyAsync(Parse(ScalekitSamples.Create("organization.directory.user_deleted", options)), Stamp(options, "organization.directory.user_deleted"));

        Assert.Empty(await LiveGroupsAsync());
        Assert.Equal(["grp_a", "grp_b"], await MemberRowsAsync());
    }

    [Fact]
    public async Task TheSameEventAgain_AfterItSettled_TouchesNoMemberRow()
    {
        var applier = Applier();
        var joined = Event("grp_a");
        await applier.ApplyAsync(joined.Root, joined.Stamp);

        _requests.Clear();
        Assert.Equal(ApplyResult.Applied, await Applier().ApplyAsync(joined.Root, joined.Stamp));
        Assert.DoesNotContain(_requests.Seen, line => line.Contains(StateTables.DirectoryGroupMembers, StringComparison.Ordinal));
        Assert.Equal(["grp_a"], await LiveGroupsAsync());
    }

    /// <summary>A fresh applier, as a restarted process has: nothing remembered.</summary>
    private ScalekitStateApplier Applier()
    {
        var clients = _requests.Clients(storage.Storage.ConnectionString);
        var state = new StateStore(clients, TimeProvider.System);
        return new ScalekitStateApplier(state, new DirectoryUserStore(state, clients));
    }

    private async Task<ApplyResult?> ApplyAsync(ScalekitStateApplier applier, params string[] groups)
    {
        var update = Event(groups);
        return await applier.ApplyAsync(update.Root, update.Stamp);
    }

    /// <summary>An update of the user with these groups, a little later than the one before.</summary>
    private (JsonElement Root, EventStamp Stamp) Event(params string[] groups)
    {
        var options = Options();
        var sample = ScalekitSamples.Create("organization.directory.user_updated", options);
        sample["data"]!["groups"] = new JsonArray([.. groups.Select(g => (JsonNode)new JsonObject { ["id"] = g, ["name"] = g })]);
        return (Parse(sample), Stamp(options, "organization.directory.user_updated"));
    }

    private SampleOptions Options() => new()
    {
        OrganizationId = _org,
        DirectoryUserId = _user,
        EventId = SampleIds.New("evt_grp"),
        OccurredAt = At.AddSeconds(Interlocked.Increment(ref _tick)),
    };

    private static JsonElement Parse(JsonObject sample) => JsonSerializer.SerializeToElement(sample);

    private static EventStamp Stamp(SampleOptions options, string type) => new(options.OccurredAt, options.EventId!, type);

    private async Task<List<string>> MemberRowsAsync() => [.. (await MembersAsync()).Select(row => row.GetString("GroupId")).Order(StringComparer.Ordinal)];

    private async Task<List<string>> LiveGroupsAsync() =>
        [.. (await MembersAsync()).Where(row => !row.ContainsKey(StateStore.DeletedAt)).Select(row => row.GetString("GroupId")).Order(StringComparer.Ordinal)];

    private async Task<List<TableEntity>> MembersAsync()
    {
        var rows = new List<TableEntity>();
        await foreach (var row in storage.Clients.Tables.GetTableClient(StateTables.DirectoryGroupMembers).QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {StorageKeys.Key(_org)} and UserId eq {_user}")))
        {
            rows.Add(row);
        }

        return rows;
    }
}
