using System.Net;
using System.Text.Json.Nodes;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Storage;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Scalekit.Webhooks.IntegrationTests.Crm;

/// <summary>Account updates that reached <c>crm-account-push-poison</c>: the dead-letter replayer sends them back or parks them.</summary>
public sealed class AccountPushReplayTests(CrmStandInFixture host) : CrmTestBase(host), IClassFixture<CrmStandInFixture>
{
    private const string PoisonQueue = StorageNames.CrmPushQueue + StorageNames.PoisonSuffix;

    private AccountPush Push => Service<AccountPush>();

    private DeadLetterReplayer Replayer => Service<DeadLetterReplayer>();

    [Fact]
    public async Task PoisonedUpdate_ComesBack_AndPatchesOnce()
    {
        var (organization, account) = await LinkedAsync();
        var outage = Guid.NewGuid();
        Salesforce.Given(Request.Create().WithPath(AccountPath(account)).UsingGet()).WithGuid(outage).AtPriority(1)
            .RespondWith(Json(new[] { new { message = "down", errorCode = "SERVER_UNAVAILABLE" } }, status: 503));
        await Host.Queue(StorageNames.CrmPushQueue).SendMessageAsync(new AccountPushRequest(organization, "evt_poisoned").ToMessage());
        await FailIntoPoisonAsync();

        Salesforce.DeleteMapping(outage);
        Salesforce.Given(Request.Create().WithPath(AccountPath(account)).UsingGet()).AtPriority(Fallback).RespondWith(AccountAnswer(account, "\"etag-1\"", activeUsers: 7));
        Salesforce.Given(Request.Create().WithPath(AccountPath(account)).UsingPatch()).RespondWith(Response.Create().WithStatusCode(204));

        Assert.Equal(new ReplayRun(1, 0), await Replayer.RunOnceAsync());

        Assert.Empty(await Host.PeekAllAsync(PoisonQueue));
        var back = await TakeAsync(StorageNames.CrmPushQueue);
        Assert.Equal(1, JsonNode.Parse(back.ToString())![WorkQueues.ReplayCountProperty]!.GetValue<int>());
        await Push.HandleAsync(back);
        var patch = Assert.Single(Salesforce.LogEntries, e => e.RequestMessage.Method == "PATCH");
        Assert.Equal("""{"Active_Users__c":0}""", patch.RequestMessage.Body);
        Assert.Empty(await Host.PeekAllAsync(StorageNames.CrmPushQueue));
        Assert.Equal(new ReplayRun(0, 0), await Replayer.RunOnceAsync());
    }

    [Fact]
    public async Task UpdateThatKeepsFailing_IsParkedWithItsReason_ListedInTheOperationsApi_AndCanBeReplayedFromThere()
    {
        var (organization, account) = await LinkedAsync();
        Salesforce.Given(Request.Create().WithPath(AccountPath(account)).UsingGet()).AtPriority(1)
            .RespondWith(Json(new[] { new { message = "down", errorCode = "SERVER_UNAVAILABLE" } }, status: 503));
        await Host.Queue(StorageNames.CrmPushQueue).SendMessageAsync(new AccountPushRequest(organization, "evt_stuck").ToMessage());
        var maxReplays = new DeadLetterOptions().MaxReplays;

        for (var replay = 0; replay < maxReplays; replay++)
        {
            await FailIntoPoisonAsync();
            Assert.Equal(new ReplayRun(1, 0), await Replayer.RunOnceAsync());
        }

        await FailIntoPoisonAsync();
        Assert.Equal(new ReplayRun(0, 1), await Replayer.RunOnceAsync());

        Assert.Empty(await Host.PeekAllAsync(PoisonQueue));
        Assert.Empty(await Host.PeekAllAsync(StorageNames.CrmPushQueue));
        var id = $"crm.account_push:{organization}:evt_stuck";
        using (var list = await Host.OpsAsync(HttpMethod.Get, "/api/ops/dead-letters?source=scalekit&type=crm.account_push"))
        {
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
            var entry = Assert.Single((await list.JsonAsync()).GetProperty("items").EnumerateArray(), item => item.GetProperty("event_id").GetString() == id);
            Assert.Equal("parked", entry.GetProperty("status").GetString());
            Assert.Equal(maxReplays, entry.GetProperty("replay_count").GetInt32());
            Assert.Contains($"still failing after {maxReplays} replays", entry.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.Contains(StorageNames.CrmPushQueue, entry.GetProperty("reason").GetString(), StringComparison.Ordinal);
        }

        // Salesforce is back: a person replays the entry, it goes to the work queue with its count cleared and PATCHes.
        Salesforce.Reset();
        await InitializeAsync();
        Salesforce.Given(Request.Create().WithPath(AccountPath(account)).UsingGet()).RespondWith(AccountAnswer(account, "\"etag-2\"", activeUsers: 3));
        Salesforce.Given(Request.Create().WithPath(AccountPath(account)).UsingPatch()).RespondWith(Response.Create().WithStatusCode(204));
        using (var replay = await Host.OpsAsync(HttpMethod.Post, $"/api/ops/dead-letters/scalekit/{Uri.EscapeDataString(id)}/replay"))
        {
            Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        }

        var back = await TakeAsync(StorageNames.CrmPushQueue);
        Assert.Equal(0, JsonNode.Parse(back.ToString())![WorkQueues.ReplayCountProperty]!.GetValue<int>());
        await Push.HandleAsync(back);
        Assert.Single(Salesforce.LogEntries, e => e.RequestMessage.Method == "PATCH");
        Assert.Equal(DeadLetterStatus.Replayed, (await Service<DeadLetterStore>().FindAsync(ScalekitSource.Id, id))!.Status);
    }

    /// <summary>What the queue trigger does with the next update: it fails, and the runtime's last retry moves it to the poison queue.</summary>
    private async Task FailIntoPoisonAsync()
    {
        var message = await TakeAsync(StorageNames.CrmPushQueue);
        await Assert.ThrowsAnyAsync<Exception>(() => Push.HandleAsync(message));
        await Host.Queue(PoisonQueue).SendMessageAsync(message);
    }

    private async Task<BinaryData> TakeAsync(string name)
    {
        var queue = Host.Queue(name);
        var received = (await queue.ReceiveMessageAsync()).Value;
        Assert.NotNull(received);
        await queue.DeleteMessageAsync(received.MessageId, received.PopReceipt);
        return received.Body;
    }

    private async Task<(string Organization, string Account)> LinkedAsync()
    {
        var organization = NewOrganizationId();
        var account = NewAccountId();
        await Service<AccountLinks>().LinkAsync(organization, account);
        return (organization, account);
    }

    private static string AccountPath(string account) => $"/services/data/v68.0/sobjects/Account/{account}";

    private static IResponseBuilder AccountAnswer(string account, string etag, int activeUsers) =>
        Json(new Dictionary<string, object?>
        {
            ["attributes"] = new { type = "Account", url = AccountPath(account) },
            ["Active_Users__c"] = activeUsers,
            ["Subscription_Status__c"] = null,
            ["Last_Login_Date__c"] = null,
        }).WithHeader("ETag", etag);
}
