using System.Text.Json;
using Azure.Data.Tables;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;
using Scalekit.Webhooks.Testing;

namespace Scalekit.Webhooks.IntegrationTests.Stores;

/// <summary>The read-model stores against Azurite: safe keys, rows spread by owner, listings from index partitions.</summary>
public class ReadModelStoreTests(StorageFixture storage) : IClassFixture<StorageFixture>
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    [Theory]
    [InlineData("/")]
    [InlineData("\\")]
    [InlineData("#")]
    [InlineData("?")]
    [InlineData("\u0001")]
    public async Task IdsThatDifferOnlyInAForbiddenCharacter_AreStoredApart_AndBothApplied(string bad)
    {
        var tag = ((int)bad[0]).ToString("X2", System.Globalization.CultureInfo.InvariantCulture);
        var twins = new[] { $"org_t{tag}a{bad}b", $"org_t{tag}a_b" };
        foreach (var id in twins)
        {
            await ApplyAsync(Organization(id, $"evt_{tag}_{twins.ToList().IndexOf(id)}"));
            await ApplyAsync(Named(ScalekitSamples.Create("organization.directory.user_updated", Options(id) with { DirectoryUserId = $"diruser{bad}1" }), $"evt_u{tag}_{twins.ToList().IndexOf(id)}"));
        }

        foreach (var id in twins)
        {
            Assert.Equal(id, (await storage.Organizations.GetAsync(id))?.DisplayName);
            var user = Assert.Single((await storage.DirectoryUsers.PageAsync(id, 10, null)).Items);
            Assert.Equal($"diruser{bad}1", user.Id);
        }
    }

    [Fact]
    public async Task AnIdOfTwoThousandCharacters_IsStoredAndFoundAgain()
    {
        var id = "org_" + new string('x', 1_996);
        var twin = "org_" + new string('x', 1_995) + "y";

        await ApplyAsync(Organization(id, "evt_long_1"));
        await ApplyAsync(Organization(twin, "evt_long_2"));

        Assert.Equal(id, (await storage.Organizations.GetAsync(id))?.DisplayName);
        Assert.Equal(twin, (await storage.Organizations.GetAsync(twin))?.DisplayName);
        Assert.Equal(id, (await storage.Organizations.GetAsync(id))?.Id);
    }

    [Fact]
    public async Task ReadModelWritesOfAThousandEvents_LandInManyPartitions()
    {
        const int Events = 1_000;
        var run = SampleIds.New("spread");
        await Concurrently.ForEachIndexAsync(0, Events, 8, async (_, i) =>
        {
            var options = Options($"org_{run}_{i % 400}") with
            {
                EventId = $"evt_{run}_{i}",
                OccurredAt = At.AddSeconds(i),
                UserId = $"usr_{run}_{i}",
                ExternalId = $"cus_{run}_{i % 400}",
            };
            var body = (i % 3) switch
            {
                0 => ScalekitSamples.Create("organization.updated", options),
                1 => ScalekitSamples.Create("user.signup", options),
                _ => ScalekitSamples.Create("role.created", options),
            };
            if (i % 3 == 2)
            {
                body["data"]!["name"] = $"role_{run}_{i}";
            }

            await ApplyAsync(body, At.AddSeconds(i));
        });

        foreach (var (table, expected) in new[] { (StateTables.Organizations, 334), (StateTables.Users, 333), (StateTables.Roles, 333), (StateTables.OrganizationLinks, 334) })
        {
            var partitions = await PartitionSizesAsync(table, run);
            Assert.True(partitions.Count >= expected * 9 / 10, $"{table}: {partitions.Count} partitions for {expected} owners");
            Assert.True(partitions.Values.Max() <= 1, $"{table}: {partitions.Values.Max()} rows in one partition");
        }

        var memberships = await PartitionSizesAsync(StateTables.Memberships, run);
        Assert.True(memberships.Count >= 300, $"memberships: {memberships.Count} organizations");
    }

    [Fact]
    public async Task OverBudgetAndWaitingListings_FollowEachCustomersLastAttempt()
    {
        var over = SampleIds.New("cus_over");
        var waiting = SampleIds.New("cus_wait");
        var fine = SampleIds.New("cus_fine");
        foreach (var customer in new[] { over, waiting, fine })
        {
            await storage.Billing.SetStateAsync(customer, _ => Task.FromResult(new BillingState("sub_1", "active", "pro", null, [], At, null)), "evt_1");
        }

        await RecordAsync(over, new SyncAttempt(At, SyncResults.Refused, "no room", "org_over", null, null, OverBudget: true));
        await RecordAsync(waiting, new SyncAttempt(At, SyncResults.WaitingForOrganization, "not linked yet", null, null, null));
        await RecordAsync(fine, new SyncAttempt(At, SyncResults.Sent, "sent", "org_fine", null, null));

        Assert.Contains(over, await CustomersAsync(storage.Billing.OverBudgetAsync()));
        Assert.DoesNotContain(fine, await CustomersAsync(storage.Billing.OverBudgetAsync()));
        Assert.Contains(waiting, await CustomersAsync(storage.Billing.WaitingAsync()));
        Assert.DoesNotContain(over, await CustomersAsync(storage.Billing.WaitingAsync()));

        await RecordAsync(over, new SyncAttempt(At.AddMinutes(1), SyncResults.Sent, "room made", "org_over", null, null));
        await RecordAsync(waiting, new SyncAttempt(At.AddMinutes(1), SyncResults.Sent, "linked", "org_wait", null, null));

        Assert.DoesNotContain(over, await CustomersAsync(storage.Billing.OverBudgetAsync()));
        Assert.DoesNotContain(waiting, await CustomersAsync(storage.Billing.WaitingAsync()));
    }

    [Fact]
    public async Task VerifiedDomain_FindsItsOrganizationWithoutRegardToCase_UntilTheDomainIsDeleted()
    {
        var org = SampleIds.New("org_dom");
        var domain = SampleIds.New("d") + ".Example";
        var created = ScalekitSamples.Create("organization.domain_created", Options(org) with { EventId = SampleIds.New("evt_"), OccurredAt = At });
        created["data"]!["domain"] = domain;
        created["data"]!["verification_status"] = "VERIFIED";
        await ApplyAsync(created);

        Assert.Equal([org], await storage.Domains.OrganizationsWithVerifiedDomainAsync(domain.ToUpperInvariant()));

        var deleted = ScalekitSamples.Create("organization.domain_deleted", Options(org) with { EventId = SampleIds.New("evt_"), OccurredAt = At.AddMinutes(1) });
        deleted["data"]!["domain"] = domain;
        await ApplyAsync(deleted, At.AddMinutes(1));

        Assert.Empty(await storage.Domains.OrganizationsWithVerifiedDomainAsync(domain));
    }

    private async Task RecordAsync(string customerId, SyncAttempt attempt)
    {
        var row = await storage.Billing.GetAsync(customerId);
        Assert.NotNull(await storage.Billing.RecordAsync(row!, attempt, row!.DesiredVersion));
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

    private async Task<Dictionary<string, int>> PartitionSizesAsync(string table, string run)
    {
        var sizes = new Dictionary<string, int>(StringComparer.Ordinal);
        await foreach (var row in storage.Clients.Tables.GetTableClient(table).QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"]))
        {
            if (row.RowKey.Contains(run, StringComparison.Ordinal))
            {
                sizes[row.PartitionKey] = sizes.GetValueOrDefault(row.PartitionKey) + 1;
            }
        }

        return sizes;
    }

    private async Task ApplyAsync(System.Text.Json.Nodes.JsonObject body, DateTimeOffset? at = null)
    {
        using var document = JsonDocument.Parse(body.ToJsonString());
        var root = document.RootElement;
        var stamp = new EventStamp(at ?? At, root.GetProperty("id").GetString()!, root.GetProperty("type").GetString()!);
        Assert.Equal(ApplyResult.Applied, await storage.Applier.ApplyAsync(root, stamp));
    }

    private static System.Text.Json.Nodes.JsonObject Organization(string id, string eventId) =>
        Named(ScalekitSamples.Create("organization.updated", Options(id) with { ExternalId = null }), eventId, id);

    private static System.Text.Json.Nodes.JsonObject Named(System.Text.Json.Nodes.JsonObject body, string eventId, string? displayName = null)
    {
        body["id"] = eventId;
        if (displayName is not null)
        {
            body["data"]!["display_name"] = displayName;
        }

        return body;
    }

    private static SampleOptions Options(string organizationId) => new() { OccurredAt = At, OrganizationId = organizationId, EventId = SampleIds.New("evt_") };
}
