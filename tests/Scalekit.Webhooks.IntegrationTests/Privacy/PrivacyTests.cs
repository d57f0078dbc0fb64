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
        await deadLetters.ParkAsync(ScalekitSource.Id, resolvedId, "role.created", BinaryData.FromString("{}"), "test", 1, 0, null);
        await deadLetters.MarkAsync(ScalekitSource.Id, resolvedId, DeadLetterStatus.Resolved);
        await deadLetters.ParkAsync(ScalekitSource.Id, parkedId, "role.created", BinaryData.FromString("{}"), "test", 1, 0, null);

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
    public async Task Erasure_ByEmail_ThroughTheApi_RemovesPersonalFieldsAndPayloads_AnswersCounts_AndIsAuditedWithoutTheEmail()
    {
        // Stored in mixed case, asked for in upper case: addresses match without regard to case.
        var email = $"Ada.{SampleIds.New("p")}@Acme.example";
        var other = $"{SampleIds.New("q")}@acme.example".ToLowerInvariant();
        var directoryUserId = SampleIds.New("diruser_");
        var userId = SampleIds.New("usr_");
        var userEvent = await ApplyAndStoreAsync("organization.directory.user_updated", new SampleOptions { OccurredAt = host.Time.GetUtcNow(), Email = email, DirectoryUserId = directoryUserId, EventId = SampleIds.New("evt_") });
        var memberEvent = await ApplyAndStoreAsync("user.organization_membership_created", new SampleOptions { OccurredAt = host.Time.GetUtcNow(), Email = email, UserId = userId, EventId = SampleIds.New("evt_") });
        var otherEvent = await ApplyAndStoreAsync("user.signup", new SampleOptions { OccurredAt = host.Time.GetUtcNow(), Email = other, UserId = SampleIds.New("usr_"), EventId = SampleIds.New("evt_") });

        host.Time.Advance(TimeSpan.FromSeconds(1));
        using var response = await OpsPostAsync("/api/ops/erasure", new JsonObject { ["email"] = email.ToUpperInvariant() });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var erased = (await response.JsonAsync()).GetProperty("erased");
        Assert.Equal(3, erased.GetProperty("read_model_rows").GetInt32());
        Assert.Equal(2, erased.GetProperty("ledger_payloads").GetInt32());
        var directoryUser = await RowAsync(StateTables.DirectoryUsers, "org_62711281101783560", directoryUserId);
        Assert.False(directoryUser.ContainsKey("Email"));
        Assert.False(directoryUser.ContainsKey("Name"));
        Assert.False(directoryUser.ContainsKey("Department"));
        Assert.Equal(userEvent, directoryUser.GetString(StateStore.LastEventId));
        Assert.False((await RowAsync(StateTables.Users, userId, userId)).ContainsKey("Email"));
        var ledger = Service<EventLedgerQueries>();
        Assert.Null((await ledger.FindAsync(ScalekitSource.Id, userEvent))!.Payload);
        Assert.Null((await ledger.FindAsync(ScalekitSource.Id, memberEvent))!.Payload);
        Assert.Contains(other, (await ledger.FindAsync(ScalekitSource.Id, otherEvent))!.Payload, StringComparison.Ordinal);

        using var audit = await host.OpsAsync(HttpMethod.Get, "/api/ops/audit?pageSize=5");
        var text = await audit.Content.ReadAsStringAsync();
        Assert.DoesNotContain(email, text, StringComparison.OrdinalIgnoreCase);
        var newest = JsonDocument.Parse(text).RootElement.GetProperty("items")[0];
        Assert.Equal("erasure", newest.GetProperty("action").GetString());
        Assert.Equal("by email", newest.GetProperty("target").GetString());
        Assert.Equal("127.0.0.1", newest.GetProperty("caller_address").GetString());
        Assert.Equal(AuditTrail.Fingerprint(host.OpsKey), newest.GetProperty("key_fingerprint").GetString());
    }

    [Fact]
    public async Task Erasure_ByUserId_AlsoErasesTheHrEmployeeRow()
    {
        var userId = SampleIds.New("usr_");
        var employeeId = SampleIds.New("E-");
        await host.Clients.Tables.GetTableClient(StateTables.Employees).UpsertEntityAsync(new TableEntity(StorageKeys.Key("org_hr_erasure"), StorageKeys.Key(employeeId))
        {
            ["Email"] = "grace@acme.example",
            ["Department"] = "Engineering",
            ["Title"] = "Rear Admiral",
            ["ScalekitUserId"] = userId,
            ["Status"] = "active",
        });

        using var response = await OpsPostAsync("/api/ops/erasure", new JsonObject { ["user_id"] = userId });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, (await response.JsonAsync()).GetProperty("erased").GetProperty("read_model_rows").GetInt32());
        var employee = await RowAsync(StateTables.Employees, "org_hr_erasure", employeeId);
        Assert.False(employee.ContainsKey("Email"));
        Assert.False(employee.ContainsKey("Title"));
        Assert.Equal("active", employee.GetString("Status"));
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
        var (eraseExit, eraseOutput, _) = await CliAsync("erase", "--user-id", userId);
        Assert.Equal(CliApp.Success, eraseExit);
        Assert.Contains("Erased: 2 read-model rows, 1 event payloads", eraseOutput, StringComparison.Ordinal);
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
            "erasure by user_id {\"read_model_rows\":2,\"ledger_payloads\":1,\"dead_letter_messages\":0}",
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

    private async Task<string> StoreAsync(ProcessingStatus status, bool claimCheck = false)
    {
        var eventId = SampleIds.New("evt_");
        var payload = Encoding.UTF8.GetBytes(ScalekitSamples.Create("role.created", new SampleOptions { OccurredAt = host.Time.GetUtcNow(), EventId = eventId }).ToJsonString());
        var envelope = new EventEnvelope
        {
            Source = ScalekitSource.Id,
            DeliveryId = "msg_" + eventId,
            EventId = eventId,
            EventType = "role.created",
            ReceivedAt = host.Time.GetUtcNow(),
            InlinePayload = payload,
        };
        if (claimCheck)
        {
            envelope = envelope with { InlinePayload = default, PayloadBlob = await Service<PayloadStore>().SaveAsync(ScalekitSource.Id, eventId, envelope.DeliveryId, payload) };
        }

        var ledger = Service<EventLedger>();
        var claim = (await ledger.ClaimAsync(envelope, payload))!;
        if (status == ProcessingStatus.Failed)
        {
            await ledger.FailAsync(claim, new TimeoutException("test"));
        }
        else
        {
            await ledger.CompleteAsync(claim, status switch
            {
                ProcessingStatus.Processed => ProcessingOutcome.Applied("test"),
                ProcessingStatus.Ignored => ProcessingOutcome.Ignored("test"),
                ProcessingStatus.Parked => ProcessingOutcome.Parked("test"),
                _ => throw new ArgumentOutOfRangeException(nameof(status), status, "no outcome for this status in this test"),
            });
        }

        return eventId;
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
