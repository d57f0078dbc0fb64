using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Storage;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;

namespace Scalekit.Webhooks.IntegrationTests.Hr;

public class HrSyncTests(HrStandInFixture host) : HrTestBase(host), IClassFixture<HrStandInFixture>
{
    private static readonly string Today = Deliveries.Now.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Hired_NewEmployee_CreatesTheUserWithMembershipProfileMetadataAndDepartmentRoles()
    {
        var (employee, org) = NewIds();
        StubLookup(employee, null);
        StubWrites(org, "usr_new1");

        var message = await DeliverAsync("employee.hired", employee, org);
        await Consumer.HandleAsync(message);

        var create = Assert.Single(Requests("POST", $"/api/v1/organizations/{org}/users"));
        Assert.Contains("send_invitation_email=true", create.RequestMessage.Url, StringComparison.Ordinal);
        var body = BodyOf(create);
        Assert.Equal($"hr:acme:{employee}", body["external_id"]!.GetValue<string>());
        Assert.Equal("ada@acme.example", body["email"]!.GetValue<string>());
        Assert.Equal("Ada", body["user_profile"]!["given_name"]!.GetValue<string>());
        Assert.Equal("Lovelace", body["user_profile"]!["family_name"]!.GetValue<string>());
        var metadata = body["metadata"]!.AsObject();
        Assert.Equal(employee, metadata["hr_employee_id"]!.GetValue<string>());
        Assert.Equal("Engineering", metadata["department"]!.GetValue<string>());
        Assert.Equal(Today, metadata["start_date"]!.GetValue<string>());
        Assert.Equal("grace@acme.example", metadata["manager_email"]!.GetValue<string>());
        Assert.Equal("active", metadata["employee_status"]!.GetValue<string>());
        Assert.Equal(Deliveries.Now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), metadata["hr_last_sync"]!.GetValue<string>());
        Assert.All(metadata, pair => Assert.Equal(System.Text.Json.JsonValueKind.String, pair.Value!.GetValueKind()));
        Assert.Equal(["member", "engineer"], body["membership"]!["roles"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()));
        Assert.Single(Writes());

        Assert.Equal(ProcessingStatus.Processed, (await LedgerRowAsync(message)).Status);
        var row = await EmployeeAsync(org, employee);
        Assert.Equal("usr_new1", row["scalekit_user_id"]!.GetValue<string>());
        Assert.Equal("active", row["status"]!.GetValue<string>());
        Assert.Equal("created", row["last_sync"]!["result"]!.GetValue<string>());
        Assert.Equal("employee.hired", row["last_event"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Hired_UserFoundByExternalId_IsUpdatedAndGivenTheMissingMembership_NeverASecondUser()
    {
        var (employee, org) = NewIds();
        StubLookup(employee, User("usr_known", ExternalId(employee), "ada@acme.example", new() { ["favourite"] = "tea" }, ("org_elsewhere", ["member"])));
        StubWrites(org, "usr_known");

        var message = await DeliverAsync("employee.hired", employee, org);
        await Consumer.HandleAsync(message);

        Assert.Empty(Requests("POST", $"/api/v1/organizations/{org}/users"));
        var metadata = BodyOf(Assert.Single(Requests("PATCH", "/api/v1/users/usr_known")))["metadata"]!.AsObject();
        Assert.Equal("tea", metadata["favourite"]!.GetValue<string>());
        Assert.Equal("active", metadata["employee_status"]!.GetValue<string>());
        var membership = Assert.Single(Requests("POST", $"/api/v1/memberships/organizations/{org}/users/usr_known"));
        Assert.Equal(["member", "engineer"], BodyOf(membership)["roles"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()));
        Assert.Equal(ProcessingStatus.Processed, (await LedgerRowAsync(message)).Status);
    }

    [Theory]
    [InlineData(409)]
    [InlineData(400)]
    public async Task Hired_CreateAnswersDuplicateEmail_TheUserFoundByEmailIsUpdatedInstead(int status)
    {
        var (employee, org) = NewIds();
        StubLookup(employee, null);
        StubWrites(org, "usr_dup");
        Api.Given(Request.Create().WithPath($"/api/v1/organizations/{org}/users").UsingPost()).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(status).WithBodyAsJson(new { code = 6, message = "user with this email already exists" }));
        Api.Given(Request.Create().WithPath($"/api/v1/organizations/{org}/users:search").UsingGet()).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { users = new[] { UserObject("usr_dup", null, "ADA@acme.example", null, (org, ["member"])) }, next_page_token = "", total_size = 1 }));

        var message = await DeliverAsync("employee.hired", employee, org);
        await Consumer.HandleAsync(message);

        Assert.Single(Requests("POST", $"/api/v1/organizations/{org}/users"));
        var search = Assert.Single(Requests("GET", $"/api/v1/organizations/{org}/users:search"));
        Assert.Contains("query=ada%40acme.example", search.RequestMessage.Url, StringComparison.Ordinal);
        Assert.Equal(ExternalId(employee), BodyOf(Assert.Single(Requests("PATCH", "/api/v1/users/usr_dup")))["external_id"]!.GetValue<string>());
        Assert.Empty(Requests("POST", $"/api/v1/memberships/organizations/{org}/users/usr_dup"));
        Assert.Equal(ProcessingStatus.Processed, (await LedgerRowAsync(message)).Status);
    }

    [Fact]
    public async Task Hired_DuplicateEmailOfAUserOutsideTheOrganization_IsParkedWithScalekitsMessage()
    {
        var (employee, org) = NewIds();
        StubLookup(employee, null);
        Api.Given(Request.Create().WithPath($"/api/v1/organizations/{org}/users").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(409).WithBodyAsJson(new { code = 6, message = "user already exists" }));
        Api.Given(Request.Create().WithPath($"/api/v1/organizations/{org}/users:search").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { users = Array.Empty<object>(), next_page_token = "" }));

        var message = await DeliverAsync("employee.hired", employee, org);
        await Consumer.HandleAsync(message);

        var row = await LedgerRowAsync(message);
        Assert.Equal(ProcessingStatus.Parked, row.Status);
        Assert.Contains("user already exists", row.Detail, StringComparison.Ordinal);
        Assert.Equal("failed", (await EmployeeAsync(org, employee))["last_sync"]!["result"]!.GetValue<string>());
    }

    [Fact]
    public async Task Updated_MergesMetadataKeepingOtherKeys_AndSwitchesRolesWhenTheDepartmentChanges()
    {
        var (employee, org) = NewIds();
        StubLookup(employee, User("usr_upd", ExternalId(employee), "ada@acme.example",
            new() { ["favourite"] = "tea", ["department"] = "Engineering", ["hr_employee_id"] = employee, ["employee_status"] = "active" }, (org, ["member", "engineer"])));
        StubWrites(org, "usr_upd");

        var message = await DeliverAsync("employee.updated", Options(employee, org) with { Department = "Sales" });
        await Consumer.HandleAsync(message);

        var metadata = BodyOf(Assert.Single(Requests("PATCH", "/api/v1/users/usr_upd")))["metadata"]!.AsObject();
        Assert.Equal("tea", metadata["favourite"]!.GetValue<string>());
        Assert.Equal("Sales", metadata["department"]!.GetValue<string>());
        Assert.Equal("Staff Engineer", metadata["title"]!.GetValue<string>());
        var roles = Assert.Single(Requests("PATCH", $"/api/v1/memberships/organizations/{org}/users/usr_upd"));
        Assert.Equal(["member", "sales"], BodyOf(roles)["roles"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()));
        Assert.Empty(Requests("POST", $"/api/v1/memberships/organizations/{org}/users/usr_upd"));
    }

    [Fact]
    public async Task Updated_SameDepartment_LeavesRolesAlone()
    {
        var (employee, org) = NewIds();
        StubLookup(employee, User("usr_same", ExternalId(employee), "ada@acme.example", new() { ["department"] = "Engineering" }, (org, ["admin"])));
        StubWrites(org, "usr_same");

        await Consumer.HandleAsync(await DeliverAsync("employee.updated", employee, org));

        Assert.Single(Requests("PATCH", "/api/v1/users/usr_same"));
        Assert.Empty(Requests("PATCH", $"/api/v1/memberships/organizations/{org}/users/usr_same"));
    }

    [Fact]
    public async Task Updated_MetadataBeyondTwentyPairs_IsParked_AndNothingIsSent()
    {
        var (employee, org) = NewIds();
        StubLookup(employee, User("usr_full", ExternalId(employee), "ada@acme.example", Enumerable.Range(0, 18).ToDictionary(i => $"custom_key_{i}", _ => "value"), (org, ["member"])));
        StubWrites(org, "usr_full");

        var message = await DeliverAsync("employee.updated", employee, org);
        await Consumer.HandleAsync(message);

        var row = await LedgerRowAsync(message);
        Assert.Equal(ProcessingStatus.Parked, row.Status);
        Assert.Contains("at most 20", row.Detail, StringComparison.Ordinal);
        Assert.Empty(Writes());
    }

    [Fact]
    public async Task OnLeave_MarksTheUserOnLeave_RevokesItsSessions_AndKeepsTheMembership()
    {
        var (employee, org) = NewIds();
        StubLookup(employee, User("usr_leave", ExternalId(employee), "ada@acme.example", new() { ["employee_status"] = "active", ["department"] = "Engineering" }, (org, ["member"])));
        StubWrites(org, "usr_leave");

        var message = await DeliverAsync("employee.on_leave", employee, org);
        await Consumer.HandleAsync(message);

        var metadata = BodyOf(Assert.Single(Requests("PATCH", "/api/v1/users/usr_leave")))["metadata"]!.AsObject();
        Assert.Equal("on_leave", metadata["employee_status"]!.GetValue<string>());
        Assert.Equal(Today, metadata["leave_start_date"]!.GetValue<string>());
        var revoke = Assert.Single(Requests("POST", "/api/v1/users/usr_leave/sessions/revoke"));
        Assert.True(revoke.RequestMessage.DateTime >= Assert.Single(Requests("PATCH", "/api/v1/users/usr_leave")).RequestMessage.DateTime, "the user is marked before its sessions end");
        Assert.Equal(2, Writes().Count);
        Assert.Empty(Requests("DELETE", $"/api/v1/memberships/organizations/{org}/users/usr_leave"));
        Assert.Equal("on_leave", (await EmployeeAsync(org, employee))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Returned_MarksTheUserActive_AndRemovesTheLeaveDate()
    {
        var (employee, org) = NewIds();
        StubLookup(employee, User("usr_back", ExternalId(employee), "ada@acme.example", new() { ["employee_status"] = "on_leave", ["leave_start_date"] = "2026-01-01", ["favourite"] = "tea" }, (org, ["member"])));
        StubWrites(org, "usr_back");

        await Consumer.HandleAsync(await DeliverAsync("employee.returned", employee, org));

        var metadata = BodyOf(Assert.Single(Requests("PATCH", "/api/v1/users/usr_back")))["metadata"]!.AsObject();
        Assert.Equal("active", metadata["employee_status"]!.GetValue<string>());
        Assert.False(metadata.ContainsKey("leave_start_date"));
        Assert.Equal("tea", metadata["favourite"]!.GetValue<string>());
        Assert.Equal("active", (await EmployeeAsync(org, employee))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Terminated_MarksTheUserThenRemovesTheMembership()
    {
        var (employee, org) = NewIds();
        StubLookup(employee, User("usr_leaver", ExternalId(employee), "ada@acme.example", new() { ["employee_status"] = "active" }, (org, ["member"]), ("org_other", ["member"])));
        StubWrites(org, "usr_leaver");

        var message = await DeliverAsync("employee.terminated", employee, org);
        await Consumer.HandleAsync(message);

        var patch = Assert.Single(Requests("PATCH", "/api/v1/users/usr_leaver"));
        var metadata = BodyOf(patch)["metadata"]!.AsObject();
        Assert.Equal("terminated", metadata["employee_status"]!.GetValue<string>());
        Assert.Equal(Today, metadata["termination_date"]!.GetValue<string>());
        var delete = Assert.Single(Requests("DELETE", $"/api/v1/memberships/organizations/{org}/users/usr_leaver"));
        Assert.True(delete.RequestMessage.DateTime >= patch.RequestMessage.DateTime, "the user is marked before the membership goes");
        var row = await EmployeeAsync(org, employee);
        Assert.Equal("terminated", row["status"]!.GetValue<string>());
        Assert.True(row["membership_removed"]!.GetValue<bool>());
        Assert.Equal(ProcessingStatus.Processed, (await LedgerRowAsync(message)).Status);
    }

    [Fact]
    public async Task Terminated_NoSuchUser_IsRecordedWithNothingToRemove()
    {
        var (employee, org) = NewIds();
        StubLookup(employee, null);

        var message = await DeliverAsync("employee.terminated", employee, org);
        await Consumer.HandleAsync(message);

        Assert.Empty(Writes());
        Assert.Equal(ProcessingStatus.Processed, (await LedgerRowAsync(message)).Status);
        Assert.Equal("no-user", (await EmployeeAsync(org, employee))["last_sync"]!["result"]!.GetValue<string>());
    }

    [Fact]
    public async Task TwoConnections_SameEmployeeId_AreTwoUsers_AndBsTerminationNeverTouchesAsPerson()
    {
        var employee = SampleIds.New("1001-");
        const string acme = LocalHostFixture.HrOrganization, globex = LocalHostFixture.OtherHrOrganization;
        StubLookup(employee, null, LocalHostFixture.HrConnection);
        StubWrites(acme, "usr_acme_1001");
        Api.Given(Request.Create().WithPath($"/api/v1/organizations/{globex}/users").UsingPost()).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(201).WithBodyAsJson(User("usr_globex_1001", ExternalId(employee, LocalHostFixture.OtherHrConnection), "ada@globex.example", null, (globex, ["member"]))));

        await Consumer.HandleAsync(await DeliverAsync("employee.hired", Options(employee, acme)));
        StubLookup(employee, null, LocalHostFixture.OtherHrConnection);
        await Consumer.HandleAsync(await DeliverAsync("employee.hired", Options(employee, globex) with { Email = "ada@globex.example" }, LocalHostFixture.OtherHrConnection));

        var acmeCreate = BodyOf(Assert.Single(Requests("POST", $"/api/v1/organizations/{acme}/users")));
        var globexCreate = BodyOf(Assert.Single(Requests("POST", $"/api/v1/organizations/{globex}/users")));
        Assert.Equal($"hr:acme:{employee}", acmeCreate["external_id"]!.GetValue<string>());
        Assert.Equal($"hr:globex:{employee}", globexCreate["external_id"]!.GetValue<string>());
        Assert.Equal(employee, globexCreate["metadata"]!["hr_employee_id"]!.GetValue<string>());

        // B's termination finds B's person only: A's user is neither looked up nor written.
        Api.Given(Request.Create().WithPath(LookupPaths(employee, LocalHostFixture.OtherHrConnection)).UsingGet()).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(User("usr_globex_1001", ExternalId(employee, LocalHostFixture.OtherHrConnection), "ada@globex.example", null, (globex, ["member"]))));
        Api.Given(Request.Create().WithPath($"/api/v1/users/usr_globex_1001").UsingPatch()).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(User("usr_globex_1001", ExternalId(employee, LocalHostFixture.OtherHrConnection), "ada@globex.example", null, (globex, ["member"]))));
        Api.Given(Request.Create().WithPath($"/api/v1/memberships/organizations/{globex}/users/usr_globex_1001").UsingDelete()).AtPriority(1).RespondWith(Response.Create().WithStatusCode(200).WithBody("{}"));
        var lookupsOfA = Requests("GET", LookupPath(employee)).Count;
        var termination = await DeliverAsync("employee.terminated", Options(employee, globex, Deliveries.Now.AddSeconds(1)), LocalHostFixture.OtherHrConnection);
        await Consumer.HandleAsync(termination);

        Assert.Equal(ProcessingStatus.Processed, (await LedgerRowAsync(termination)).Status);
        Assert.Single(Requests("DELETE", $"/api/v1/memberships/organizations/{globex}/users/usr_globex_1001"));
        Assert.Equal(lookupsOfA, Requests("GET", LookupPath(employee)).Count);
        Assert.DoesNotContain(Api.LogEntries, e => e.RequestMessage.Path.Contains("usr_acme_1001", StringComparison.Ordinal) || e.RequestMessage.Path.Contains($"/organizations/{acme}/users/", StringComparison.Ordinal) && e.RequestMessage.Method == "DELETE");
        Assert.Equal("active", (await EmployeeAsync(acme, employee))["status"]!.GetValue<string>());
        Assert.Equal("terminated", (await EmployeeAsync(globex, employee))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task EmployeeIdOfAnOnboardingAdmin_NeverReachesTheAdminsExternalId()
    {
        var admin = SampleIds.New("cus_") + "_admin";
        Api.Given(Request.Create().WithPath($"/api/v1/users:external/{admin}").UsingGet()).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(User("usr_admin", admin, "owner@acme.example", null, (LocalHostFixture.HrOrganization, ["admin"]))));
        StubLookup(admin, null);

        var message = await DeliverAsync("employee.terminated", Options(admin, LocalHostFixture.HrOrganization));
        await Consumer.HandleAsync(message);

        Assert.Empty(Requests("GET", $"/api/v1/users:external/{admin}"));
        Assert.Single(Requests("GET", LookupPath(admin)));
        Assert.Empty(Writes());
        Assert.Equal("no-user", (await EmployeeAsync(LocalHostFixture.HrOrganization, admin))["last_sync"]!["result"]!.GetValue<string>());
    }

    [Fact]
    public async Task EventOfAConnectionNoLongerConfigured_IsParkedWithTheReason_AndNothingIsSent()
    {
        var (employee, org) = NewIds();
        var delivered = EnvelopeCodec.Decode((await DeliverAsync("employee.hired", employee, org)).ToMemory());
        var orphan = delivered with { EventId = ConnectionEventId.Compose("removed", SampleIds.New("hrevt_")) };

        await Consumer.HandleAsync(new BinaryData(EnvelopeCodec.Encode(orphan)));

        var row = (await Fixture.Host.Services.GetRequiredService<EventLedgerQueries>().FindAsync(HrSource.Id, orphan.EventId))!;
        Assert.Equal(ProcessingStatus.Parked, row.Status);
        Assert.Contains("HR connection removed is no longer configured", row.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(Api.LogEntries, e => e.RequestMessage.Path.Contains("/users", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Parked_ThenReplayedThroughTheOpsApi_StillActsOnTheConnectionsOrganization()
    {
        var (employee, org) = NewIds();
        StubLookup(employee, null);
        Api.Given(Request.Create().WithPath($"/api/v1/organizations/{org}/users").UsingPost()).AtPriority(50)
            .RespondWith(Response.Create().WithStatusCode(403).WithBodyAsJson(new { code = 7, message = "permission denied" }));
        var message = await DeliverAsync("employee.hired", employee, org);
        await Consumer.HandleAsync(message);
        var eventId = (await LedgerRowAsync(message)).EventId;
        Assert.Equal(ProcessingStatus.Parked, (await LedgerRowAsync(message)).Status);
        Assert.StartsWith($"{LocalHostFixture.HrConnection}:", eventId, StringComparison.Ordinal);

        StubWrites(org, "usr_replayed");
        Api.Given(Request.Create().WithPath($"/api/v1/organizations/{org}/users").UsingPost()).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(201).WithBodyAsJson(User("usr_replayed", ExternalId(employee), "ada@acme.example", null, (org, ["member"]))));
        using var replay = await Fixture.OpsAsync(HttpMethod.Post, $"/api/ops/dead-letters/hr/{Uri.EscapeDataString(eventId)}/replay");
        Assert.Equal(System.Net.HttpStatusCode.Accepted, replay.StatusCode);
        var queue = Fixture.Queue(Storage.StorageNames.QueueFor(HrSource.Id));
        var replayed = (await queue.ReceiveMessageAsync()).Value;
        await Consumer.HandleAsync(replayed.Body);

        Assert.Equal(ProcessingStatus.Processed, (await LedgerRowAsync(message)).Status);
        Assert.Equal(2, Requests("POST", $"/api/v1/organizations/{org}/users").Count);
        Assert.Equal(org, (await LedgerRowAsync(message)).OrganizationId);
    }

    [Fact]
    public async Task OutOfOrder_NewerUpdateFirst_ThenTheOlderHireIsStaleSkipped_AndSendsNothing()
    {
        var (employee, org) = NewIds();
        StubLookup(employee, null);
        StubWrites(org, "usr_order");
        var newer = await DeliverAsync("employee.updated", employee, org, Deliveries.Now.AddSeconds(-10));
        var older = await DeliverAsync("employee.hired", employee, org, Deliveries.Now.AddSeconds(-100));

        await Consumer.HandleAsync(newer);
        var callsAfterNewer = Api.LogEntries.Count();
        await Consumer.HandleAsync(older);

        Assert.Equal(ProcessingStatus.StaleSkipped, (await LedgerRowAsync(older)).Status);
        Assert.Equal(callsAfterNewer, Api.LogEntries.Count());
        Assert.Equal("employee.updated", (await EmployeeAsync(org, employee))["last_event"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task DuplicatedDeliveries_OfOneEvent_CreateOneUser()
    {
        var (employee, org) = NewIds();
        StubLookup(employee, null);
        StubWrites(org, "usr_once");
        var options = Options(employee, org) with { EventId = SampleIds.New("hrevt_") };
        var first = await DeliverAsync("employee.hired", options);
        var redelivered = await DeliverAsync("employee.hired", options);

        await Consumer.HandleAsync(first);
        await Consumer.HandleAsync(redelivered);
        await Consumer.HandleAsync(first);

        Assert.Single(Requests("POST", $"/api/v1/organizations/{org}/users"));
        var row = await LedgerRowAsync(first);
        Assert.Equal(ProcessingStatus.Processed, row.Status);
        Assert.Equal(1, row.Attempts);
    }

    [Fact]
    public async Task WhileAnotherConsumerSyncsTheEmployee_TheDeliveryIsLeftToTheQueueRetry_ThenApplies()
    {
        var (employee, org) = NewIds();
        StubLookup(employee, null);
        StubWrites(org, "usr_leased");
        var store = Fixture.Host.Services.GetRequiredService<EmployeeStore>();
        var other = await store.AcquireAsync(org, employee);
        var message = await DeliverAsync("employee.hired", employee, org);

        await Assert.ThrowsAsync<RowBusyException>(() => Consumer.HandleAsync(message));
        Assert.DoesNotContain(Api.LogEntries, e => e.RequestMessage.Path.Contains("/users", StringComparison.Ordinal));
        Assert.Equal(ProcessingStatus.Failed, (await LedgerRowAsync(message)).Status);
        await Assert.ThrowsAsync<RowBusyException>(() => store.AcquireAsync(org, employee));

        await store.ReleaseAsync(other);
        await Consumer.HandleAsync(message);

        Assert.Equal(ProcessingStatus.Processed, (await LedgerRowAsync(message)).Status);
        Assert.Single(Requests("POST", $"/api/v1/organizations/{org}/users"));
        var next = await store.AcquireAsync(org, employee);
        Assert.Equal("usr_leased", next.Known!.ScalekitUserId);
        await store.ReleaseAsync(next);
    }

    [Fact]
    public async Task LeaseGivenBackWithinMoments_TheDeliveryWaitsForIt_InsteadOfFailing()
    {
        var (employee, org) = NewIds();
        StubLookup(employee, null);
        StubWrites(org, "usr_waited");
        var store = Fixture.Host.Services.GetRequiredService<EmployeeStore>();
        var other = await store.AcquireAsync(org, employee);
        var message = await DeliverAsync("employee.hired", employee, org);

        var releasing = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            await store.ReleaseAsync(other);
        });
        await Consumer.HandleAsync(message);
        await releasing;

        Assert.Equal(ProcessingStatus.Processed, (await LedgerRowAsync(message)).Status);
        Assert.Single(Requests("POST", $"/api/v1/organizations/{org}/users"));
    }

    [Theory]
    [InlineData(400)]
    [InlineData(403)]
    [InlineData(404)]
    public async Task ScalekitRefusesTheCreate_IsParkedWithScalekitsMessage(int status)
    {
        var (employee, org) = NewIds();
        StubLookup(employee, null);
        Api.Given(Request.Create().WithPath($"/api/v1/organizations/{org}/users").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(status).WithBodyAsJson(new { code = 3, message = $"refused with {status} for a reason" }));
        Api.Given(Request.Create().WithPath($"/api/v1/organizations/{org}/users:search").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { users = Array.Empty<object>(), next_page_token = "" }));

        var message = await DeliverAsync("employee.hired", employee, org);
        await Consumer.HandleAsync(message);

        var row = await LedgerRowAsync(message);
        Assert.Equal(ProcessingStatus.Parked, row.Status);
        Assert.Contains($"refused with {status} for a reason", row.Detail, StringComparison.Ordinal);
        Assert.Single(Requests("POST", $"/api/v1/organizations/{org}/users"));
        Assert.Contains($"refused with {status}", (await EmployeeAsync(org, employee))["last_sync"]!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Throttled429_IsRetriedWithBackOff_ThenApplied()
    {
        var (employee, org) = NewIds();
        StubLookup(employee, null);
        StubWrites(org, "usr_429");
        Api.Given(Request.Create().WithPath($"/api/v1/organizations/{org}/users").UsingPost()).InScenario("throttle").WillSetStateTo("throttled").AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(429).WithBodyAsJson(new { code = 8, message = "rate limited", details = new[] { new { error_code = "RATE_LIMITED" } } }));

        var message = await DeliverAsync("employee.hired", employee, org);
        await Consumer.HandleAsync(message);

        Assert.Equal([429, 201], Requests("POST", $"/api/v1/organizations/{org}/users").Select(p => (int)p.ResponseMessage.StatusCode!));
        Assert.Equal(ProcessingStatus.Processed, (await LedgerRowAsync(message)).Status);
    }

    [Fact]
    public async Task MalformedAnswer_IsParked_NeverApplied()
    {
        var (employee, org) = NewIds();
        Api.Given(Request.Create().WithPath(LookupPaths(employee)).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "text/html").WithBody("<html>gateway</html>"));

        var message = await DeliverAsync("employee.hired", employee, org);
        await Consumer.HandleAsync(message);

        Assert.Equal(ProcessingStatus.Parked, (await LedgerRowAsync(message)).Status);
        Assert.Empty(Writes());
        Assert.Equal("failed", (await EmployeeAsync(org, employee))["last_sync"]!["result"]!.GetValue<string>());
    }
}

/// <summary>A host that only marks leavers and sends no invitations.</summary>
public sealed class HrMarkOnlyFixture : HrStandInFixture
{
    protected override IReadOnlyDictionary<string, string?> HrSettings => new Dictionary<string, string?>
    {
        ["HR_TERMINATION"] = "mark-only",
        ["HR_SEND_INVITATIONS"] = "false",
    };
}

public class HrMarkOnlyTests(HrMarkOnlyFixture host) : HrTestBase(host), IClassFixture<HrMarkOnlyFixture>
{
    [Fact]
    public async Task Terminated_MarkOnly_KeepsTheMembership()
    {
        var (employee, org) = NewIds();
        StubLookup(employee, User("usr_stays", ExternalId(employee), "ada@acme.example", null, (org, ["member"])));
        StubWrites(org, "usr_stays");

        await Consumer.HandleAsync(await DeliverAsync("employee.terminated", employee, org));

        Assert.Equal("terminated", BodyOf(Assert.Single(Requests("PATCH", "/api/v1/users/usr_stays")))["metadata"]!["employee_status"]!.GetValue<string>());
        Assert.Empty(Requests("DELETE", $"/api/v1/memberships/organizations/{org}/users/usr_stays"));
        var row = await EmployeeAsync(org, employee);
        Assert.Equal("terminated", row["status"]!.GetValue<string>());
        Assert.False(row["membership_removed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Hired_WithInvitationsOff_AsksScalekitNotToEmail()
    {
        var (employee, org) = NewIds();
        StubLookup(employee, null);
        StubWrites(org, "usr_quiet");

        await Consumer.HandleAsync(await DeliverAsync("employee.hired", employee, org));

        Assert.Contains("send_invitation_email=false", Assert.Single(Requests("POST", $"/api/v1/organizations/{org}/users")).RequestMessage.Url, StringComparison.Ordinal);
    }
}
