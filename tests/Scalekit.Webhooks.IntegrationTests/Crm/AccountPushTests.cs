using System.Net;
using System.Text.Json.Nodes;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Scalekit.Webhooks.IntegrationTests.Crm;

/// <summary>Scalekit → Salesforce: applied Scalekit events queue account updates, written to a WireMock Salesforce.</summary>
public sealed class AccountPushTests(CrmStandInFixture host) : CrmTestBase(host), IClassFixture<CrmStandInFixture>
{
    private AccountPush Push => Service<AccountPush>();

    private AccountLinks Links => Service<AccountLinks>();

    [Fact]
    public async Task MembershipEvent_OfALinkedOrganization_QueuesAnUpdate_ThatWritesOnlyTheChangedFields_WithIfMatch()
    {
        var organization = NewOrganizationId();
        var account = NewAccountId();
        var customer = SampleIds.New("cus_");
        var options = new SampleOptions { OccurredAt = Deliveries.Now, OrganizationId = organization, ExternalId = customer, UserId = SampleIds.New("usr_") };
        var created = ScalekitSamples.Create("organization.created", options);
        created["data"]!["metadata"] = new JsonObject { ["salesforce_account_id"] = account };
        await ProcessAsync(created);
        Assert.Equal(account, await Links.FindAccountAsync(organization));
        await Host.Queue(StorageNames.CrmPushQueue).ClearMessagesAsync();
        await Service<CustomerBillingStore>().SetStateAsync(customer, _ => Task.FromResult(new BillingState("sub_1", "active", "pro", null, [], DateTimeOffset.UtcNow, null)), "evt_billing");

        await ProcessAsync(ScalekitSamples.Create("user.organization_membership_created", options with { OccurredAt = Deliveries.Now.AddSeconds(1) }));

        var message = await TakePushAsync();
        StubAccount(account, "\"etag-1\"", activeUsers: 0, status: null, lastLogin: null);
        Salesforce.Given(Request.Create().WithPath(AccountPath(account)).UsingPatch()).RespondWith(Response.Create().WithStatusCode(204).WithHeader("Sforce-Limit-Info", "api-usage=1300/100000"));

        await Push.HandleAsync(message);

        var get = Assert.Single(Salesforce.LogEntries, e => e.RequestMessage.Method == "GET" && e.RequestMessage.Path == AccountPath(account));
        Assert.Equal("Active_Users__c,Subscription_Status__c,Last_Login_Date__c", get.RequestMessage.Query!["fields"].Single());
        var patch = Assert.Single(Salesforce.LogEntries, e => e.RequestMessage.Method == "PATCH");
        Assert.Equal("""{"Active_Users__c":1,"Subscription_Status__c":"active"}""", patch.RequestMessage.Body);
        Assert.Equal("\"etag-1\"", patch.RequestMessage.Headers!["If-Match"].Single());
        var health = await CrmHealthAsync();
        Assert.Equal("live", health["mode"]!.GetValue<string>());
        Assert.True(health["successes"]!.GetValue<int>() >= 1);
        Assert.Equal(1300, health["api_usage"]!["used"]!.GetValue<long>());
    }

    [Fact]
    public async Task EventOfAnUnlinkedOrganization_QueuesNothing()
    {
        var options = new SampleOptions { OccurredAt = Deliveries.Now, OrganizationId = NewOrganizationId(), ExternalId = null, UserId = SampleIds.New("usr_") };

        await ProcessAsync(ScalekitSamples.Create("user.login", options));
        await ProcessAsync(ScalekitSamples.Create("organization.updated", options));

        Assert.Empty(await Host.PeekAllAsync(StorageNames.CrmPushQueue));
    }

    [Fact]
    public async Task Login_QueuesItsTime_WhichMovesTheLastLoginForwardButNeverBack()
    {
        var organization = NewOrganizationId();
        var account = NewAccountId();
        await Links.LinkAsync(organization, account);
        var loginAt = DateTimeOffset.Parse("2026-11-25T08:00:00.123Z", System.Globalization.CultureInfo.InvariantCulture);
        await ProcessAsync(ScalekitSamples.Create("user.login", new SampleOptions { OccurredAt = loginAt, OrganizationId = organization, UserId = SampleIds.New("usr_") }));
        var message = await TakePushAsync();
        StubAccount(account, "\"e\"", activeUsers: 0, status: null, lastLogin: "2026-11-24T08:00:00.000+0000");
        Salesforce.Given(Request.Create().WithPath(AccountPath(account)).UsingPatch()).RespondWith(Response.Create().WithStatusCode(204));

        await Push.HandleAsync(message);

        Assert.Equal("""{"Last_Login_Date__c":"2026-11-25T08:00:00.123Z"}""", Assert.Single(Salesforce.LogEntries, e => e.RequestMessage.Method == "PATCH").RequestMessage.Body);

        Salesforce.ResetLogEntries();
        var result = await Push.PushAsync(new AccountPushRequest(organization, "evt_old", loginAt.AddDays(-3)));

        Assert.Equal(AccountPush.Unchanged, result!.Outcome);
        Assert.DoesNotContain(Salesforce.LogEntries, e => e.RequestMessage.Method == "PATCH");
    }

    [Fact]
    public async Task AccountAlreadyHoldsTheFacts_NothingIsSent()
    {
        var (organization, account) = await LinkedAsync();
        StubAccount(account, "\"e\"", activeUsers: 0, status: null, lastLogin: null);

        var result = await Push.PushAsync(new AccountPushRequest(organization, "evt_1"));

        Assert.Equal(AccountPush.Unchanged, result!.Outcome);
        Assert.DoesNotContain(Salesforce.LogEntries, e => e.RequestMessage.Method == "PATCH");
    }

    [Fact]
    public async Task ChangedSinceRead_ReadsAgainWithTheNewETag_AndOnePatchLands()
    {
        var (organization, account) = await LinkedAsync();
        Salesforce.Given(Request.Create().WithPath(AccountPath(account)).UsingGet()).InScenario("conflict").WillSetStateTo("read once")
            .RespondWith(AccountAnswer(account, "\"e1\"", 5));
        Salesforce.Given(Request.Create().WithPath(AccountPath(account)).UsingGet()).InScenario("conflict").WhenStateIs("read once")
            .RespondWith(AccountAnswer(account, "\"e2\"", 7));
        Salesforce.Given(Request.Create().WithPath(AccountPath(account)).WithHeader("If-Match", "\"e1\"").UsingPatch())
            .RespondWith(Json(new[] { new { message = "The record changed", errorCode = "PRECONDITION_FAILED" } }, 412));
        Salesforce.Given(Request.Create().WithPath(AccountPath(account)).WithHeader("If-Match", "\"e2\"").UsingPatch()).RespondWith(Response.Create().WithStatusCode(204));

        var result = await Push.PushAsync(new AccountPushRequest(organization, "evt_1"));

        Assert.Equal(CrmSyncStore.Success, result!.Outcome);
        Assert.Equal(2, Salesforce.LogEntries.Count(e => e.RequestMessage.Method == "GET" && e.RequestMessage.Path == AccountPath(account)));
        var patches = Salesforce.LogEntries.Where(e => e.RequestMessage.Method == "PATCH").ToList();
        Assert.Equal(2, patches.Count);
        Assert.All(patches, p => Assert.Equal("""{"Active_Users__c":0}""", p.RequestMessage.Body));
    }

    [Fact]
    public async Task ConflictEveryTime_GoesBackToTheQueue_AfterThreeReads()
    {
        var (organization, account) = await LinkedAsync();
        StubAccount(account, "\"e\"", activeUsers: 4, status: null, lastLogin: null);
        Salesforce.Given(Request.Create().WithPath(AccountPath(account)).UsingPatch()).RespondWith(Response.Create().WithStatusCode(412));

        await Assert.ThrowsAsync<SalesforceConflictException>(() => Push.HandleAsync(new AccountPushRequest(organization, "evt_1").ToMessage()));

        Assert.Equal(AccountPush.MaxConflicts, Salesforce.LogEntries.Count(e => e.RequestMessage.Method == "PATCH"));
    }

    [Theory]
    [InlineData(404, "NOT_FOUND", "does not exist in Salesforce")]
    [InlineData(403, "REQUEST_LIMIT_EXCEEDED", "REQUEST_LIMIT_EXCEEDED")]
    [InlineData(400, "INVALID_FIELD", "INVALID_FIELD")]
    public async Task RefusalNoRetryChanges_IsRecordedAsAFailure_AndDropped(int status, string code, string expected)
    {
        var (organization, account) = await LinkedAsync();
        Salesforce.Given(Request.Create().WithPath(AccountPath(account)).UsingGet())
            .RespondWith(Json(new[] { new { message = "refused", errorCode = code } }, status));

        var result = await Push.PushAsync(new AccountPushRequest(organization, "evt_1"));

        Assert.Equal(CrmSyncStore.Failure, result!.Outcome);
        Assert.Contains(expected, result.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(Salesforce.LogEntries, e => e.RequestMessage.Method == "PATCH");
        Assert.Contains(expected, (await CrmHealthAsync())["last_error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(503, "[{\"message\":\"down\",\"errorCode\":\"SERVER_UNAVAILABLE\"}]")]
    [InlineData(429, "")]
    [InlineData(200, "not json")]
    public async Task TransientFailure_Throws_SoTheQueueRetries(int status, string body)
    {
        var (organization, account) = await LinkedAsync();
        Salesforce.Given(Request.Create().WithPath(AccountPath(account)).UsingGet()).RespondWith(Response.Create().WithStatusCode(status).WithBody(body));

        var error = await Assert.ThrowsAsync<SalesforceApiException>(() => Push.HandleAsync(new AccountPushRequest(organization, "evt_1").ToMessage()));

        Assert.True(error.IsTransient);
        Assert.Equal("failing", (await CrmHealthAsync())["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task SalesforceHangs_TheUpdateTimesOut_AndGoesBackToTheQueue()
    {
        var (organization, account) = await LinkedAsync();
        Salesforce.Given(Request.Create().WithPath(AccountPath(account)).UsingGet()).RespondWith(AccountAnswer(account, "\"e\"", 1).WithDelay(TimeSpan.FromSeconds(10)));

        await Assert.ThrowsAnyAsync<Exception>(() => Push.HandleAsync(new AccountPushRequest(organization, "evt_1").ToMessage()));

        Assert.DoesNotContain(Salesforce.LogEntries, e => e.RequestMessage.Method == "PATCH");
    }

    [Fact]
    public async Task UnreadableMessage_IsDropped()
    {
        await Push.HandleAsync(BinaryData.FromString("{\"nothing\": true}"));
        await Push.HandleAsync(BinaryData.FromString("not json"));

        Assert.Empty(Salesforce.LogEntries);
    }

    private static string AccountPath(string account) => $"/services/data/v68.0/sobjects/Account/{account}";

    private async Task<(string Organization, string Account)> LinkedAsync()
    {
        var organization = NewOrganizationId();
        var account = NewAccountId();
        await Links.LinkAsync(organization, account);
        return (organization, account);
    }

    private static IResponseBuilder AccountAnswer(string account, string etag, int activeUsers, string? status = null, string? lastLogin = null) =>
        Json(new Dictionary<string, object?>
        {
            ["attributes"] = new { type = "Account", url = AccountPath(account) },
            ["Active_Users__c"] = activeUsers,
            ["Subscription_Status__c"] = status,
            ["Last_Login_Date__c"] = lastLogin,
        }).WithHeader("ETag", etag);

    private void StubAccount(string account, string etag, int activeUsers, string? status, string? lastLogin) =>
        Salesforce.Given(Request.Create().WithPath(AccountPath(account)).UsingGet()).AtPriority(Fallback).RespondWith(AccountAnswer(account, etag, activeUsers, status, lastLogin));

    /// <summary>Posts a signed Scalekit event through the host and lets the consumer apply it.</summary>
    private async Task ProcessAsync(JsonObject body)
    {
        var text = body.ToJsonString();
        using var response = await Host.Client.PostAsync("scalekit", text, Deliveries.SignScalekit(text, Host.ScalekitSecret, TimeProvider.System.GetUtcNow()));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var queue = Host.Queue(StorageNames.QueueFor(ScalekitSource.Id));
        var received = (await queue.ReceiveMessageAsync()).Value;
        await queue.DeleteMessageAsync(received.MessageId, received.PopReceipt);
        await Service<EventConsumer>().HandleAsync(received.Body);
    }

    private async Task<BinaryData> TakePushAsync()
    {
        var queue = Host.Queue(StorageNames.CrmPushQueue);
        var received = (await queue.ReceiveMessageAsync()).Value;
        Assert.NotNull(received);
        await queue.DeleteMessageAsync(received.MessageId, received.PopReceipt);
        return received.Body;
    }
}
