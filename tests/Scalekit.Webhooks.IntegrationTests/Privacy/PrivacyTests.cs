using System.Net;
using System.Text.Json.Nodes;
using System.Text.Json;
using System.Text;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Scalekit.Webhooks.Cli;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Operations;
using Scalekit.Webhooks.Privacy;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.IntegrationTests.Privacy;

/// <summary>A host on a fake clock the test moves forward; consumers and timers are off, the test drives the services.</summary>
public sealed class FakeClockHostFixture : LocalHostFixture
{
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    protected override TimeProvider Clock => Time;
}

public class PrivacyTests(FakeClockHostFixture host) : IClassFixture<FakeClockHostFixture>
{
    private T Service<T>()
        where T : notnull => host.Host.Services.GetRequiredService<T>();

    [Fact]
    public async Task Retention_RemovesPayloadsOfSettledEventsOlderThan30Days_KeepsLedgerEntries_AndDeletesOldResolvedDeadLetters()
    {
        var ledger = Service<EventLedgerQueries>();
        var payloads = Service<PayloadStore>();
        var deadLetters = Service<DeadLetterStore>();
        var processed = await StoreAsync(ProcessingStatus.Processed);
        var claimChecked = await StoreAsync(ProcessingStatus.Ignored, claimCheck: true);
        var parked = await StoreAsync(ProcessingStatus.Parked);
        var failed = await StoreAsync(ProcessingStatus.Failed);
        var resolvedId = SampleIds.New("evt_");
        var parkedId = SampleIds.New("evt_");
        await deadLetters.ParkAsync(new DeadLetterParking(ScalekitSource.Id, resolvedId, "role.created", BinaryData.FromString("{}"), "test", 1, 0, null));
        await deadLetters.MarkAsync(ScalekitSource.Id, resolvedId, DeadLetterStatus.Resolved);
        await deadLetters.ParkAsync(new DeadLetterParking(ScalekitSource.Id, parkedId, "role.created", BinaryData.FromString("{}"), "test", 1, 0, null));

        host.Time.Advance(TimeSpan.FromDays(29));
        await Service<PayloadRetention>().RunOnceAsync();
        Assert.NotNull((await ledger.FindAsync(ScalekitSource.Id, processed))!.Payload);
        Assert.NotNull(await deadLetters.FindAsync(ScalekitSource.Id, resolvedId));

        host.Time.Advance(TimeSpan.FromDays(2));
        var run = await Service<PayloadRetention>().RunOnceAsync();

        Assert.True(run.LedgerPayloads >= 2, $"removed {run.LedgerPayloads}");
        foreach (var eventId in new[] { processed, claimChecked })
        {
            var row = (await ledger.FindAsync(ScalekitSource.Id, eventId))!;
            Assert.False(row.HoldsPayload, "payload kept");
            Assert.Equal(eventId, row.EventId);
            Assert.Equal("role.created", row.EventType);
            Assert.NotNull(row.Status);
            Assert.NotNull(row.ReceivedAt);
            Assert.Equal("retention", row.PayloadRemovedReason);
        }

        Assert.Null(await payloads.TryReadAsync($"{StorageNames.PayloadContainer}/{StorageKeys.PayloadBlobName("scalekit", claimChecked, "msg_" + claimChecked)}"));
        Assert.NotNull((await ledger.FindAsync(ScalekitSource.Id, parked))!.Payload);
        Assert.NotNull((await ledger.FindAsync(ScalekitSource.Id, failed))!.Payload);
        Assert.Null(await deadLetters.FindAsync(ScalekitSource.Id, resolvedId));
        Assert.NotNull(await deadLetters.FindAsync(ScalekitSource.Id, parkedId));
    }

    [Fact]
    public async Task Erasure_ByEmail_Answers202WithAStatusUrl_ReachesEveryStore_AndIsAuditedWhenItStartsAndEnds()
    {
        // Stored in mixed case, asked for in upper case: addresses match without regard to case.
        var email = $"Ada.{SampleIds.New("p")}@Acme.example";
        var other = $"{SampleIds.New("q")}@acme.example".ToLowerInvariant();
        var directoryUserId = SampleIds.New("diruser_");
        var userId = SampleIds.New("usr_");
        var person = new SampleOptions { OccurredAt = host.Time.GetUtcNow(), Email = email, UserId = userId, DirectoryUserId = directoryUserId };
        var userEvent = await ApplyAndStoreAsync("organization.directory.user_updated", person with { EventId = SampleIds.New("evt_") });
        var memberEvent = await ApplyAndStoreAsync("user.organization_membership_created", person with { EventId = SampleIds.New("evt_") });
        var otherEvent = await ApplyAndStoreAsync("user.signup", new SampleOptions { OccurredAt = host.Time.GetUtcNow(), Email = other, UserId = SampleIds.New("usr_"), EventId = SampleIds.New("evt_") });

        // A session knows the person by user id only: erasing by email must find the user id first.
        var sessionUser = SampleIds.New("usr_");
        await ApplyAndStoreAsync("user.login", person with { UserId = sessionUser, EventId = SampleIds.New("evt_") });
        await ApplyAndStoreAsync("user.signup", person with { UserId = sessionUser, EventId = SampleIds.New("evt_") });

        // Stripe's customer, an HR employee, an onboarding admin.
        var customerId = SampleIds.New("cus_");
        await host.Clients.Tables.GetTableClient(StateTables.Customers).UpsertEntityAsync(new TableEntity(StorageKeys.Key(customerId), StorageKeys.Key(customerId)) { ["Email"] = email.ToLowerInvariant(), ["Name"] = "Ada Lovelace", ["BillingStatus"] = "deleted" });
        var employeeId = SampleIds.New("E-");
        await host.Clients.Tables.GetTableClient(StateTables.Employees).UpsertEntityAsync(new TableEntity(StorageKeys.Key("org_hr_erasure"), StorageKeys.Key(employeeId)) { ["Email"] = email, ["Title"] = "Countess", ["Status"] = "active" });
        var onboardingId = SampleIds.New("onb_");
        await host.Clients.Tables.GetTableClient(StorageNames.OnboardingTable).UpsertEntityAsync(new TableEntity(StorageKeys.Key(onboardingId), "state") { ["AdminEmail"] = email, ["CompanyName"] = "Acme" });

        // Ledger text, a claim-checked payload, an orphan blob of a retried delivery, a dead letter, a queued and a poison message.
        var texts = await StoreAsync(ProcessingStatus.Processed, detail: $"HR dry run for {email}: nothing sent");
        var failed = await StoreAsync(ProcessingStatus.Failed, error: $"no such user {email}");
        var claimChecked = await StoreAsync(ProcessingStatus.Processed, claimCheck: true, email: email);
        var orphan = await Service<PayloadStore>().SaveAsync(ScalekitSource.Id, claimChecked, "msg_first_attempt", Payload(claimChecked, email));
        var parkedId = SampleIds.New("evt_");
        await Service<DeadLetterStore>().ParkAsync(new DeadLetterParking(ScalekitSource.Id, parkedId, "role.created", BinaryData.FromBytes(EnvelopeCodec.Encode(Envelope(parkedId, Payload(parkedId, email)))), $"Scalekit refused {email}", 5, 0, null));
        var queuedId = SampleIds.New("evt_");
        var eventQueue = host.Queue(StorageNames.QueueFor(ScalekitSource.Id));
        await eventQueue.SendMessageAsync(BinaryData.FromBytes(EnvelopeCodec.Encode(Envelope(queuedId, Payload(queuedId, email)))));
        var otherQueuedId = SampleIds.New("evt_");
        await eventQueue.SendMessageAsync(BinaryData.FromBytes(EnvelopeCodec.Encode(Envelope(otherQueuedId, Payload(otherQueuedId, other)))));
        var poisonId = SampleIds.New("evt_");
        var poisonBlob = await Service<PayloadStore>().SaveAsync(ScalekitSource.Id, poisonId, "msg_" + poisonId, Payload(poisonId, email));
        await host.Queue(StorageNames.PoisonQueueFor(ScalekitSource.Id)).SendMessageAsync(BinaryData.FromBytes(EnvelopeCodec.Encode(Envelope(poisonId, default) with { PayloadBlob = poisonBlob })));

        host.Time.Advance(TimeSpan.FromSeconds(1));
        var status = await RunErasureAsync(new JsonObject { ["email"] = email.ToUpperInvariant() });

        Assert.Equal("completed", status.GetProperty("state").GetString());
        Assert.Equal("email", status.GetProperty("subject_kind").GetString());
        var erased = status.GetProperty("erased");
        Assert.Equal(1, erased.GetProperty(StateTables.DirectoryUsers).GetInt32());
        Assert.Equal(2, erased.GetProperty(StateTables.Users).GetInt32());
        Assert.Equal(1, erased.GetProperty(StateTables.UserSessions).GetInt32());
        Assert.Equal(1, erased.GetProperty(StateTables.Customers).GetInt32());
        Assert.Equal(1, erased.GetProperty(StateTables.Employees).GetInt32());
        Assert.Equal(1, erased.GetProperty(StorageNames.OnboardingTable).GetInt32());
        Assert.Equal(2, erased.GetProperty("queue_messages").GetInt32());
        Assert.Equal(2, erased.GetProperty("event_ledger_text").GetInt32());
        Assert.Equal(1, erased.GetProperty("dead_letter_messages").GetInt32());
        Assert.Equal(1, erased.GetProperty("dead_letter_reasons").GetInt32());
        Assert.True(erased.GetProperty("payload_blobs").GetInt32() >= 1, "the orphan blob");
        Assert.Contains(status.GetProperty("not_searched").EnumerateArray(), gap => gap.GetProperty("store").GetString() == "logs");

        // Read-model rows keep their ids and stamps.
        var directoryUser = await RowAsync(StateTables.DirectoryUsers, "org_62711281101783560", directoryUserId);
        Assert.False(directoryUser.ContainsKey("Email"));
        Assert.False(directoryUser.ContainsKey("Department"));
        Assert.Equal(userEvent, directoryUser.GetString(StateStore.LastEventId));
        Assert.False((await RowAsync(StateTables.Users, userId, userId)).ContainsKey("Email"));
        await foreach (var session in host.Clients.Tables.GetTableClient(StateTables.UserSessions).QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {sessionUser}")))
        {
            Assert.False(session.ContainsKey("Device"), "the session's device");
        }

        var customer = await RowAsync(StateTables.Customers, customerId, customerId);
        Assert.False(customer.ContainsKey("Email") || customer.ContainsKey("Name"));
        Assert.Equal("deleted", customer.GetString("BillingStatus"));
        Assert.False((await RowAsync(StateTables.Employees, "org_hr_erasure", employeeId)).ContainsKey("Email"));
        Assert.False((await host.Clients.Tables.GetTableClient(StorageNames.OnboardingTable).GetEntityAsync<TableEntity>(StorageKeys.Key(onboardingId), "state")).Value.ContainsKey("AdminEmail"));

        // The ledger keeps its entries, without the payloads or the text that named the person.
        var ledger = Service<EventLedgerQueries>();
        Assert.Null((await ledger.FindAsync(ScalekitSource.Id, userEvent))!.Payload);
        Assert.Null((await ledger.FindAsync(ScalekitSource.Id, memberEvent))!.Payload);
        Assert.Contains(other, (await ledger.FindAsync(ScalekitSource.Id, otherEvent))!.Payload, StringComparison.Ordinal);
        Assert.Equal("HR dry run for [erased]: nothing sent", (await ledger.FindAsync(ScalekitSource.Id, texts))!.Detail);
        Assert.DoesNotContain(email, (await ledger.FindAsync(ScalekitSource.Id, failed))!.LastError!, StringComparison.OrdinalIgnoreCase);
        Assert.Null((await ledger.FindAsync(ScalekitSource.Id, claimChecked))!.PayloadBlob);
        var payloads = Service<PayloadStore>();
        Assert.Null(await payloads.TryReadAsync($"{StorageNames.PayloadContainer}/{StorageKeys.PayloadBlobName("scalekit", claimChecked, "msg_" + claimChecked)}"));
        Assert.Null(await payloads.TryReadAsync($"{orphan.Container}/{orphan.BlobName}"));
        Assert.Null(await payloads.TryReadAsync($"{poisonBlob.Container}/{poisonBlob.BlobName}"));

        // The dead letter stays, without its message or the address in its reason.
        var deadLetter = (await Service<DeadLetterStore>().FindAsync(ScalekitSource.Id, parkedId))!;
        Assert.Null(deadLetter.Message);
        Assert.Equal("Scalekit refused [erased]", deadLetter.Reason);

        // Queued and poison messages that named the person are gone, each event recorded as not applied; the other stays.
        foreach (var eventId in new[] { queuedId, poisonId })
        {
            var entry = (await ledger.FindAsync(ScalekitSource.Id, eventId))!;
            Assert.Equal(ProcessingStatus.Parked, entry.Status);
            Assert.Equal("erasure", entry.PayloadRemovedReason);
            Assert.Contains("erased while it was queued", entry.Detail, StringComparison.Ordinal);
        }

        var left = (await eventQueue.PeekMessagesAsync(32)).Value.Select(m => EnvelopeCodec.Decode(m.Body.ToMemory()).EventId).ToList();
        Assert.Contains(otherQueuedId, left);
        Assert.DoesNotContain(queuedId, left);
        Assert.DoesNotContain((await host.Queue(StorageNames.PoisonQueueFor(ScalekitSource.Id)).PeekMessagesAsync(32)).Value, m => m.Body.ToString().Contains(poisonId, StringComparison.Ordinal));

        // Audited when asked for, when started and when finished; never with the address.
        using var audit = await host.OpsAsync(HttpMethod.Get, "/api/ops/audit?pageSize=20");
        var text = await audit.Content.ReadAsStringAsync();
        Assert.DoesNotContain(email, text, StringComparison.OrdinalIgnoreCase);
        var jobId = status.GetProperty("job_id").GetString()!;
        var entries = JsonDocument.Parse(text).RootElement.GetProperty("items").EnumerateArray()
            .Where(e => e.GetProperty("target").GetString()!.Contains(jobId, StringComparison.Ordinal)).OrderBy(e => e.GetProperty("action").GetString(), StringComparer.Ordinal).ToList();
        Assert.Equal(["erasure", "erasure-finished", "erasure-started"], entries.Select(e => e.GetProperty("action").GetString()));
        Assert.All(entries, e => Assert.Equal($"job {jobId} (by email)", e.GetProperty("target").GetString()));
        Assert.All(entries, e => Assert.Equal(AuditTrail.Fingerprint(host.OpsKey), e.GetProperty("key_fingerprint").GetString()));
        Assert.All(entries, e => Assert.Equal("127.0.0.1", e.GetProperty("caller_address").GetString()));
        Assert.Contains("\"Users\":2", entries[1].GetProperty("outcome").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Erasure_InterruptedHalfWay_ResumesOnRedeliveryWithTheFirstUnfinishedStore()
    {
        var email = $"{SampleIds.New("r")}@acme.example";
        var userId = SampleIds.New("usr_");
        await ApplyAndStoreAsync("user.signup", new SampleOptions { OccurredAt = host.Time.GetUtcNow(), Email = email, UserId = userId, EventId = SampleIds.New("evt_") });
        var message = await StartErasureAsync(new JsonObject { ["user_id"] = userId });

        // A store that fails half-way through the tables: the run throws, as a crash or an outage would.
        var connectedAccounts = host.Clients.Tables.GetTableClient(StateTables.ConnectedAccounts);
        await connectedAccounts.DeleteAsync();
        try
        {
            await Assert.ThrowsAnyAsync<Azure.RequestFailedException>(() => Service<ErasureJobs>().HandleAsync(message.Body));
        }
        finally
        {
            await connectedAccounts.CreateIfNotExistsAsync();
        }

        var halfWay = await StatusAsync(message.Location);
        Assert.True(halfWay.GetProperty("state").GetString() == "running", halfWay.GetRawText());
        Assert.Equal("RequestFailedException", halfWay.GetProperty("last_error").GetString());
        var done = halfWay.GetProperty("done_steps").EnumerateArray().Select(s => s.GetString()).ToList();
        Assert.Contains(PersonalDataEraser.LedgerStep, done);
        Assert.Contains(StateTables.Users, done);
        Assert.DoesNotContain(StateTables.ConnectedAccounts, done);
        Assert.DoesNotContain(StateTables.Employees, done);

        // Written after the crash: a finished store is not searched again, an unfinished one is.
        var afterLedger = await StoreAsync(ProcessingStatus.Processed, detail: $"for {email}");
        var employeeId = SampleIds.New("E-");
        await host.Clients.Tables.GetTableClient(StateTables.Employees).UpsertEntityAsync(new TableEntity(StorageKeys.Key("org_hr_resume"), StorageKeys.Key(employeeId)) { ["Email"] = email, ["Status"] = "active" });

        await Service<ErasureJobs>().HandleAsync(message.Body);

        var status = await StatusAsync(message.Location);
        Assert.Equal("completed", status.GetProperty("state").GetString());
        Assert.Equal(2, status.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("last_error").ValueKind);
        Assert.Equal(1, status.GetProperty("erased").GetProperty(StateTables.Users).GetInt32());
        Assert.Equal(1, status.GetProperty("erased").GetProperty(StateTables.Employees).GetInt32());
        Assert.Equal($"for {email}", (await Service<EventLedgerQueries>().FindAsync(ScalekitSource.Id, afterLedger))!.Detail);
        Assert.False((await RowAsync(StateTables.Employees, "org_hr_resume", employeeId)).ContainsKey("Email"));

        // Started once, finished once; a third delivery of the same message changes nothing.
        await Service<ErasureJobs>().HandleAsync(message.Body);
        using var audit = await host.OpsAsync(HttpMethod.Get, "/api/ops/audit?pageSize=20");
        var actions = (await audit.JsonAsync()).GetProperty("items").EnumerateArray()
            .Where(e => e.GetProperty("target").GetString()!.Contains(message.Location[(message.Location.LastIndexOf('/') + 1)..], StringComparison.Ordinal))
            .Select(e => e.GetProperty("action").GetString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["erasure", "erasure-finished", "erasure-started"], actions);
    }

    [Fact]
    public async Task ErasureStatus_OfAnUnknownJob_Is404()
    {
        using var response = await host.OpsAsync(HttpMethod.Get, "/api/ops/erasure/era_never_started");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"email\":\"a@b.example\",\"user_id\":\"usr_1\"}")]
    [InlineData("{\"email\":\"  \"}")]
    [InlineData("[]")]
    [InlineData("not json")]
    public async Task Erasure_WithoutExactlyOneSubject_Is400(string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ops/erasure") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("x-functions-key", host.OpsKey);
        using var response = await host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Erasure_WithoutTheKey_Is401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ops/erasure") { Content = new StringContent("{\"email\":\"a@b.example\"}", Encoding.UTF8, "application/json") };
        using var response = await host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task AuditTrail_ListsEveryChangeMadeThroughTheApiAndTheCli_NewestFirst_Paged()
    {
        var userId = SampleIds.New("usr_");
        var eventId = await ApplyAndStoreAsync("user.signup", new SampleOptions { OccurredAt = host.Time.GetUtcNow(), UserId = userId, EventId = SampleIds.New("evt_") });

        host.Time.Advance(TimeSpan.FromSeconds(1));
        using (var replay = await host.OpsAsync(HttpMethod.Post, $"/api/ops/events/scalekit/{eventId}/replay"))
        {
            Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        }

        host.Time.Advance(TimeSpan.FromSeconds(1));
        using (var missing = await host.OpsAsync(HttpMethod.Post, "/api/ops/dead-letters/scalekit/evt_never_parked/replay"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        host.Time.Advance(TimeSpan.FromSeconds(1));
        using (var dryRun = await host.OpsAsync(HttpMethod.Post, "/api/ops/dead-letters/replay?source=stripe"))
        {
            Assert.Equal(HttpStatusCode.OK, dryRun.StatusCode);
        }

        host.Time.Advance(TimeSpan.FromSeconds(1));
        using (var bulk = await host.OpsAsync(HttpMethod.Post, "/api/ops/dead-letters/replay?source=stripe&dryRun=false"))
        {
            Assert.Equal(HttpStatusCode.Accepted, bulk.StatusCode);
        }

        host.Time.Advance(TimeSpan.FromSeconds(1));
        var (eraseExit, eraseOutput, _) = await CliAsync("erase", "--user-id", userId, "--no-wait");
        Assert.Equal(CliApp.Success, eraseExit);
        var jobId = System.Text.RegularExpressions.Regex.Match(eraseOutput, @"Started erasure (era_[0-9a-f]+); status: /api/ops/erasure/era_").Groups[1].Value;
        Assert.NotEmpty(jobId);
        Assert.Equal(CliApp.UsageError, (await CliAsync("erase")).Exit);

        var (auditExit, auditJson, _) = await CliAsync("audit", "--json", "--page-size", "3");
        Assert.Equal(CliApp.Success, auditExit);
        var page = JsonDocument.Parse(auditJson).RootElement;
        var token = page.GetProperty("continuation_token").GetString()!;
        var (nextExit, nextJson, _) = await CliAsync("audit", "--json", "--page-size", "1", "--continuation", token);
        Assert.Equal(CliApp.Success, nextExit);
        var actions = page.GetProperty("items").EnumerateArray().Concat(JsonDocument.Parse(nextJson).RootElement.GetProperty("items").EnumerateArray())
            .Select(i => $"{i.GetProperty("action").GetString()} {i.GetProperty("target").GetString()} {i.GetProperty("outcome").GetString()}").ToList();
        Assert.Equal(
        [
            $"erasure job {jobId} (by user_id) queued",
            "bulk-replay dead letters source=stripe type=any replayed 0",
            "replay dead letter scalekit/evt_never_parked not found",
            $"forced-replay event scalekit/{eventId} replayed",
        ], actions);
        Assert.DoesNotContain(userId, auditJson + nextJson, StringComparison.Ordinal);

        var (tableExit, table, _) = await CliAsync("audit");
        Assert.Equal(CliApp.Success, tableExit);
        Assert.Contains("forced-replay", table, StringComparison.Ordinal);
        Assert.Contains(AuditTrail.Fingerprint(host.OpsKey), table, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditTrail_RecordsAnOperatorReSync()
    {
        var customerId = SampleIds.New("cus_");
        host.Time.Advance(TimeSpan.FromSeconds(1));
        using (var sync = await host.OpsAsync(HttpMethod.Post, $"/api/ops/customers/{customerId}/sync"))
        {
            Assert.Equal(HttpStatusCode.NotFound, sync.StatusCode);
        }

        using var audit = await host.OpsAsync(HttpMethod.Get, "/api/ops/audit?pageSize=1");
        var newest = (await audit.JsonAsync()).GetProperty("items")[0];
        Assert.Equal("re-sync", newest.GetProperty("action").GetString());
        Assert.Equal($"customer {customerId}", newest.GetProperty("target").GetString());
        Assert.Equal("not found", newest.GetProperty("outcome").GetString());
    }

    private async Task<string> StoreAsync(ProcessingStatus status, bool claimCheck = false, string? email = null, string detail = "test", string error = "test")
    {
        var eventId = SampleIds.New("evt_");
        var payload = Payload(eventId, email);
        var envelope = Envelope(eventId, payload);
        if (claimCheck)
        {
            envelope = envelope with { InlinePayload = default, PayloadBlob = await Service<PayloadStore>().SaveAsync(ScalekitSource.Id, eventId, envelope.DeliveryId, payload) };
        }

        var ledger = Service<EventLedger>();
        var claim = (await ledger.ClaimAsync(envelope, payload))!;
        if (status == ProcessingStatus.Failed)
        {
            await ledger.FailAsync(claim, new TimeoutException(error));
        }
        else
        {
            await ledger.CompleteAsync(claim, status switch
            {
                ProcessingStatus.Processed => ProcessingOutcome.Applied(detail),
                ProcessingStatus.Ignored => ProcessingOutcome.Ignored(detail),
                ProcessingStatus.Parked => ProcessingOutcome.Parked(detail),
                _ => throw new ArgumentOutOfRangeException(nameof(status), status, "no outcome for this status in this test"),
            });
        }

        return eventId;
    }

    /// <summary>A role event's body; with <paramref name="email"/>, one that names a person too.</summary>
    private byte[] Payload(string eventId, string? email = null)
    {
        var body = ScalekitSamples.Create("role.created", new SampleOptions { OccurredAt = host.Time.GetUtcNow(), EventId = eventId });
        if (email is not null)
        {
            body["data"]!["created_by"] = email;
        }

        return Encoding.UTF8.GetBytes(body.ToJsonString());
    }

    private EventEnvelope Envelope(string eventId, ReadOnlyMemory<byte> payload) => new()
    {
        Source = ScalekitSource.Id,
        DeliveryId = "msg_" + eventId,
        EventId = eventId,
        EventType = "role.created",
        ReceivedAt = host.Time.GetUtcNow(),
        InlinePayload = payload,
    };

    /// <summary>Starts an erasure through the API (202, its status URL, queued) and takes its erasure-jobs message as the queue trigger would.</summary>
    private async Task<(BinaryData Body, string Location)> StartErasureAsync(JsonObject body)
    {
        using var response = await OpsPostAsync("/api/ops/erasure", body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        var accepted = await response.JsonAsync();
        Assert.Equal(location, accepted.GetProperty("status_url").GetString());
        Assert.Equal($"/api/ops/erasure/{accepted.GetProperty("job_id").GetString()}", location);
        Assert.Equal("queued", (await StatusAsync(location)).GetProperty("state").GetString());

        // Other tests' jobs may wait in the queue too (no trigger runs here): take this job's message.
        var queue = host.Queue(StorageNames.ErasureQueue);
        var received = (await queue.ReceiveMessagesAsync(32)).Value.Single(m => m.Body.ToString().Contains(accepted.GetProperty("job_id").GetString()!, StringComparison.Ordinal));
        await queue.DeleteMessageAsync(received.MessageId, received.PopReceipt);
        Assert.DoesNotContain("@", received.Body.ToString(), StringComparison.Ordinal);
        return (received.Body, location);
    }

    private async Task<JsonElement> RunErasureAsync(JsonObject body)
    {
        var (message, location) = await StartErasureAsync(body);
        await Service<ErasureJobs>().HandleAsync(message);
        return await StatusAsync(location);
    }

    private async Task<JsonElement> StatusAsync(string location)
    {
        using var response = await host.OpsAsync(HttpMethod.Get, location);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.JsonAsync();
    }

    private async Task<string> ApplyAndStoreAsync(string type, SampleOptions options)
    {
        var body = ScalekitSamples.Create(type, options).ToJsonString();
        using var document = JsonDocument.Parse(body);
        var eventId = options.EventId!;
        await Service<ScalekitStateApplier>().ApplyAsync(document.RootElement, new EventStamp(options.OccurredAt, eventId, type));
        var envelope = new EventEnvelope { Source = ScalekitSource.Id, DeliveryId = "msg_" + eventId, EventId = eventId, EventType = type, ReceivedAt = host.Time.GetUtcNow() };
        var ledger = Service<EventLedger>();
        await ledger.CompleteAsync((await ledger.ClaimAsync(envelope, Encoding.UTF8.GetBytes(body)))!, ProcessingOutcome.Applied("applied"));
        return eventId;
    }

    private async Task<TableEntity> RowAsync(string table, string partition, string row) =>
        (await host.Clients.Tables.GetTableClient(table).GetEntityAsync<TableEntity>(StorageKeys.Key(partition), StorageKeys.Key(row))).Value;

    private async Task<HttpResponseMessage> OpsPostAsync(string path, JsonObject body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("x-functions-key", host.OpsKey);
        return await host.Client.SendAsync(request);
    }

    private async Task<(int Exit, string Output, string Error)> CliAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliApp.RunAsync([.. args, "--url", host.BaseAddress.ToString(), "--key", host.OpsKey], output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
