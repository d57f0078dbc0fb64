using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.IntegrationTests.Stores;

/// <summary>The customer billing row against Azurite: what its ETag-checked merges cost and what they return.</summary>
public class CustomerBillingStoreTests(StorageFixture storage) : IClassFixture<StorageFixture>
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private readonly StorageRequests _requests = new();

    [Fact]
    public async Task LeaseAndRecord_ReturnTheRowAsStored_WithoutReadingItAgain()
    {
        var store = Store();
        var customer = await NewCustomerAsync(store);
        var row = (await store.GetAsync(customer))!;

        _requests.Clear();
        var leased = await store.LeaseAsync(row, "lease_1", At.AddMinutes(2));
        var recorded = await store.RecordAsync(leased!, new SyncAttempt(At, SyncResults.Sent, "sent", "org_1", new Dictionary<string, string> { ["plan_type"] = "pro" }, null), row.DesiredVersion);

        Assert.DoesNotContain(_requests.Seen, line => line.StartsWith("GET", StringComparison.Ordinal));
        var stored = (await store.GetAsync(customer))!;
        Assert.Equal(Facts(stored), Facts(recorded!));
        Assert.Null(recorded!.LeaseId);
        Assert.Equal(row.DesiredVersion, recorded.SyncedVersion);
    }

    [Fact]
    public async Task SetState_ReturnsTheRowAsStored_WhenItInsertsAndWhenItMerges()
    {
        var store = Store();
        var customer = SampleIds.New("cus_store");

        var inserted = await store.SetStateAsync(customer, _ => Task.FromResult(new BillingState("sub_1", "active", "pro", null, [], At, null)), "evt_1");
        Assert.Equal(Facts((await store.GetAsync(customer))!), Facts(inserted));

        _requests.Clear();
        var merged = await store.SetStateAsync(customer, _ => Task.FromResult(new BillingState("sub_1", "past_due", "pro", null, [], At, null)), "evt_2");
        Assert.Equal(1, _requests.Seen.Count(line => line.StartsWith("GET", StringComparison.Ordinal)));
        Assert.Equal(2, merged.DesiredVersion);
        Assert.Equal(Facts((await store.GetAsync(customer))!), Facts(merged));

        // A lease taken on the returned row goes through: its ETag is the stored one.
        Assert.NotNull(await store.LeaseAsync(merged, "lease_1", At.AddMinutes(2)));
    }

    [Fact]
    public async Task AMergeAfterSomeoneElseWroteTheRow_IsRefused()
    {
        var store = Store();
        var customer = await NewCustomerAsync(store);
        var row = (await store.GetAsync(customer))!;
        Assert.NotNull(await store.LeaseAsync(row, "lease_1", At.AddMinutes(2)));

        Assert.Null(await store.LeaseAsync(row, "lease_2", At.AddMinutes(2)));
    }

    [Fact]
    public async Task AttemptsOfACustomerNeverListed_TouchNoIndex_AndLeavingTheWaitingStateUnlistsIt()
    {
        var store = Store();
        var customer = await NewCustomerAsync(store);
        await RecordAsync(store, customer, new SyncAttempt(At, SyncResults.Sent, "sent", "org_1", null, null));
        _requests.Clear();
        await RecordAsync(store, customer, new SyncAttempt(At.AddMinutes(1), SyncResults.Unchanged, "unchanged", "org_1", null, null));
        Assert.DoesNotContain(_requests.Seen, line => line.StartsWith("DELETE", StringComparison.Ordinal));

        await RecordAsync(store, customer, new SyncAttempt(At.AddMinutes(2), SyncResults.WaitingForOrganization, "not linked", null, null, null));
        Assert.Contains(customer, await CustomersAsync(store.WaitingAsync()));

        await RecordAsync(store, customer, new SyncAttempt(At.AddMinutes(3), SyncResults.Sent, "linked", "org_1", null, null));
        Assert.DoesNotContain(customer, await CustomersAsync(store.WaitingAsync()));
        Assert.DoesNotContain(customer, await CustomersAsync(Store().WaitingAsync()));
    }

    private static object Facts(CustomerBilling row) => new
    {
        row.CustomerId, row.DesiredVersion, row.SourceEventId, row.SyncedVersion, row.LeaseId, row.LeaseUntil, row.LastAttemptVersion, row.WaitingSince, row.ETag,
        Plan = row.State?.Plan, Status = row.State?.Status, Result = row.LastAttempt?.Result, Organization = row.LastAttempt?.OrganizationId, Metadata = string.Join(",", row.LastAttempt?.Metadata ?? new Dictionary<string, string>()),
    };

    private CustomerBillingStore Store() => new(_requests.Clients(storage.Storage.ConnectionString));

    private static async Task<string> NewCustomerAsync(CustomerBillingStore store)
    {
        var customer = SampleIds.New("cus_store");
        await store.SetStateAsync(customer, _ => Task.FromResult(new BillingState("sub_1", "active", "pro", null, [], At, null)), "evt_1");
        return customer;
    }

    private static async Task RecordAsync(CustomerBillingStore store, string customer, SyncAttempt attempt)
    {
        var row = (await store.GetAsync(customer))!;
        Assert.NotNull(await store.RecordAsync(row, attempt, row.DesiredVersion));
    }

    private static async Task<List<string>> CustomersAsync(IAsyncEnumerable<CustomerBilling> rows)
    {
        var customers = new List<string>();
        await foreach (var row in rows)
        {
            customers.Add(row.CustomerId);
        }

        return customers;
    }
}
