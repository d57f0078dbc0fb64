using Microsoft.Extensions.DependencyInjection;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Storage;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using Scalekit.Webhooks.Hr;

namespace Scalekit.Webhooks.IntegrationTests.Hr;

/// <summary>Scalekit failing hard feeds the circuit breaker, so these run on a host of their own, with one retry and a short attempt timeout.</summary>
public sealed class HrOutageFixture : HrStandInFixture
{
    protected override IReadOnlyDictionary<string, string?> HrSettings => new Dictionary<string, string?>
    {
        ["SCALEKIT_MAX_RETRIES"] = "1",
        ["SCALEKIT_ATTEMPT_TIMEOUT_MS"] = "1500",
        ["DEADLETTER_REPLAY_BASE_DELAY_SECONDS"] = "0",
    };
}

public class HrOutageTests(HrOutageFixture host) : HrTestBase(host), IClassFixture<HrOutageFixture>
{
    [Fact]
    public async Task ServerErrors_AreRetried_ThenThrownForTheQueue_AndTheEmployeeShowsTheFailure()
    {
        var (employee, org) = NewIds();
        Api.Given(Request.Create().WithPath(LookupPaths(employee)).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(503).WithBodyAsJson(new { code = 14, message = "unavailable" }));

        var message = await DeliverAsync("employee.hired", employee, org);
        await Assert.ThrowsAnyAsync<Exception>(() => Consumer.HandleAsync(message));

        Assert.Equal(2, Requests("GET", LookupPath(employee)).Count);
        var row = await LedgerRowAsync(message);
        Assert.Equal(ProcessingStatus.Failed, row.Status);
        Assert.Contains("503", row.LastError, StringComparison.Ordinal);
        Assert.Empty(Writes());
        var sync = (await EmployeeAsync(org, employee))["last_sync"]!;
        Assert.Equal("failed", sync["result"]!.GetValue<string>());
        Assert.Contains("unavailable", sync["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SlowAnswers_TimeOut_AndAreThrownForTheQueueToRetry()
    {
        var (employee, org) = NewIds();
        Api.Given(Request.Create().WithPath(LookupPaths(employee)).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(404).WithDelay(TimeSpan.FromSeconds(5)).WithBodyAsJson(new { code = 5, message = "user not found" }));

        var message = await DeliverAsync("employee.hired", employee, org);
        await Assert.ThrowsAnyAsync<Exception>(() => Consumer.HandleAsync(message));

        var row = await LedgerRowAsync(message);
        Assert.Equal(ProcessingStatus.Failed, row.Status);
        Assert.Contains("Timeout", row.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(Writes());
    }

    [Fact]
    public async Task PoisonMessage_IsSentBackToTheHrQueueByTheReplayer()
    {
        var (employee, org) = NewIds();
        var message = await DeliverAsync("employee.hired", employee, org);
        var poison = Fixture.Queue(StorageNames.PoisonQueueFor(HrSource.Id));
        await poison.SendMessageAsync(message);

        var run = await Fixture.Host.Services.GetRequiredService<DeadLetterReplayer>().RunOnceAsync();

        Assert.True(run.Replayed >= 1);
        Assert.Empty((await poison.PeekMessagesAsync(32)).Value);
        var back = await ReceiveEventuallyAsync(Fixture.Queue(StorageNames.QueueFor(HrSource.Id)));
        var envelope = EnvelopeCodec.Decode(back.ToMemory());
        Assert.Equal(EnvelopeCodec.Decode(message.ToMemory()).EventId, envelope.EventId);
        Assert.Equal(1, envelope.ReplayCount);
    }

    private static async Task<BinaryData> ReceiveEventuallyAsync(Azure.Storage.Queues.QueueClient queue)
    {
        // Sent back without delay here (DEADLETTER_REPLAY_BASE_DELAY_SECONDS=0); Azurite may still take a moment to show it.
        for (var i = 0; i < 60; i++)
        {
            if ((await queue.ReceiveMessageAsync()).Value is { } received)
            {
                return received.Body;
            }

            await Task.Delay(500);
        }

        throw new TimeoutException("The replayed message never became visible in " + queue.Name);
    }
}
