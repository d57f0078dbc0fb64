using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Stripe;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock;

namespace Scalekit.Webhooks.IntegrationTests.Processing;

/// <summary>
/// A Scalekit stand-in host whose clock moves only when a test moves it, with a 30 s billing sync lease and Scalekit
/// attempts that do not time out within it (so only the lease decides when a write is given up).
/// </summary>
public sealed class BillingLeaseClockFixture : ScalekitStandInFixture
{
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds()));

    protected override TimeProvider Clock => Time;

    protected override IReadOnlyDictionary<string, string?> MoreSettings => new Dictionary<string, string?>
    {
        [BillingOptions.SyncLeaseSetting] = "30",
        ["SCALEKIT_ATTEMPT_TIMEOUT_MS"] = "60000",
    };
}

/// <summary>
/// Only the holder of a customer's sync lease writes to its organization, so no write may go out once the lease can
/// have ended: another consumer may hold the customer by then and have written a newer state, which a late retry of
/// an older one would overwrite (the soak counts that as a duplicated effect: one event's map applied twice).
/// </summary>
public class BillingLeaseTests(BillingLeaseClockFixture host) : BillingTestBase(host), IClassFixture<BillingLeaseClockFixture>
{
    [Fact]
    public async Task PatchUnansweredUntilTheLeaseNearlyEnds_IsGivenUp_NothingMoreIsSentUnderThatLease_AndTheRetryWritesOnceItEnded()
    {
        var customer = SampleIds.New("cus_");
        var org = SampleIds.New("org_");
        var path = $"/api/v1/organizations/{org}";
        StubLookup(customer, org, []);
        StubPatches(org);
        using var received = new SemaphoreSlim(0);
        using var answer = new ManualResetEventSlim();
        var held = Guid.NewGuid();
        Api.Given(Request.Create().WithPath(path).UsingPatch()).WithGuid(held).AtPriority(1)
            .RespondWith(Response.Create().WithCallback(_ =>
            {
                received.Release();
                answer.Wait(TimeSpan.FromSeconds(60));
                return new ResponseMessage { StatusCode = 503 };
            }));
        var store = Fixture.Host.Services.GetRequiredService<CustomerBillingStore>();
        var message = await DeliverStripeAsync("customer.subscription.updated", customer);

        var handling = Consumer.HandleAsync(message);
        Assert.True(await received.WaitAsync(TimeSpan.FromSeconds(60)), "the metadata PATCH was never sent");
        var leaseUntil = (await store.GetAsync(customer))!.LeaseUntil!.Value;

        // 20 s of the 30 s lease: inside its last attempt timeout's worth (15 s, half the lease), so the write is given up.
        host.Time.Advance(TimeSpan.FromSeconds(20));
        answer.Set();
        for (var i = 0; i < 100 && !handling.IsCompleted; i++)
        {
            // Let any retry's delay and the lease run out, as the clock would.
            await Task.Delay(100);
            host.Time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Single(Requests("PATCH", path));
        await Assert.ThrowsAsync<BillingSyncLeaseRanOutException>(() => handling);
        var row = (await store.GetAsync(customer))!;
        Assert.Equal(0, row.SyncedVersion);
        Assert.Equal(leaseUntil, row.LeaseUntil);

        // The queue's retry after the lease ended writes the state once.
        Api.DeleteMapping(held);
        if (host.Time.GetUtcNow() <= leaseUntil)
        {
            host.Time.SetUtcNow(leaseUntil + TimeSpan.FromSeconds(1));
        }

        await Consumer.HandleAsync(message);
        Assert.Equal(2, Requests("PATCH", path).Count);
        Assert.Equal(row.DesiredVersion, (await store.GetAsync(customer))!.SyncedVersion);
        Assert.Equal(ProcessingStatus.Processed, (await Fixture.Host.Services.GetRequiredService<EventLedgerQueries>().FindAsync(StripeSource.Id, row.SourceEventId!))!.Status);
    }
}
