using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Stripe;
using Scalekit.Webhooks.Testing.Reliability;
using Xunit.Abstractions;

namespace Scalekit.Webhooks.IntegrationTests.Processing;

/// <summary>A host whose Scalekit API is the stateful stand-in that answers 500, 429 and too late on a share of calls.</summary>
public sealed class FaultyScalekitFixture : ScalekitStandInFixture
{
    public ScalekitStandIn StandIn { get; } = new(serverErrorRate: 0.06, throttleRate: 0.06, slowRate: 0.03, slowDelay: TimeSpan.FromMilliseconds(1500), seed: 1414);

    protected override IReadOnlyDictionary<string, string?> MoreSettings => new Dictionary<string, string?>
    {
        ["SCALEKIT_ENVIRONMENT_URL"] = StandIn.Url,
        ["SCALEKIT_ATTEMPT_TIMEOUT_MS"] = "1000",
        ["SCALEKIT_CIRCUIT_BREAK_SECONDS"] = "1",
    };
}

/// <summary>
/// Newest wins under any concurrency: many events per customer, handled at once, shuffled and duplicated, against a
/// faulty stand-in; every organization must end on its customer's newest governing state, each change applied once.
/// </summary>
public class BillingConcurrencyTests(FaultyScalekitFixture host, ITestOutputHelper output) : BillingTestBase(host), IClassFixture<FaultyScalekitFixture>
{
    private static readonly string[] Statuses = ["active", "trialing", "past_due", "unpaid", "canceled", "incomplete"];
    private static readonly string[] LookupKeys = ["pro_monthly", "starter_monthly", "enterprise_yearly"];

    [Fact]
    public async Task BurstsOf24ConcurrentEventsPerCustomer_EndOnTheNewestGoverningState()
    {
        var random = new Random(14);
        var customers = Enumerable.Range(0, 3).Select(_ => SampleIds.New("cus_")).ToList();
        var events = customers.SelectMany(customer => NewEvents(random, customer, count: 24, subscriptions: 2)).ToList();
        var messages = await DeliverAsync(events.OrderBy(_ => random.Next()).ToList());

        // Every event of a customer at once, plus a duplicate delivery of a fifth of them, all customers together.
        var deliveries = messages.Concat(messages.Where(_ => random.NextDouble() < 0.2)).OrderBy(_ => random.Next()).ToList();
        await Task.WhenAll(deliveries.Select(m => Task.Run(() => HandleUntilDoneAsync(m))));

        await AssertNewestStateAsync(customers, events, messages);
    }

    [Fact]
    public async Task RandomizedShuffledAndDuplicatedEvents_ForManyCustomers_EndOnTheNewestGoverningState()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var customers = Enumerable.Range(0, 10).Select(_ => SampleIds.New("cus_")).ToList();
        var events = customers.SelectMany(customer => NewEvents(random, customer, count: random.Next(3, 10), subscriptions: random.Next(1, 4))).ToList();
        var messages = await DeliverAsync(events.OrderBy(_ => random.Next()).ToList());
        var deliveries = messages.Concat(messages.Where(_ => random.NextDouble() < 0.25)).OrderBy(_ => random.Next()).ToList();

        using var slots = new SemaphoreSlim(16);
        await Task.WhenAll(deliveries.Select(async m =>
        {
            await slots.WaitAsync();
            try
            {
                await HandleUntilDoneAsync(m);
            }
            finally
            {
                slots.Release();
            }
        }));

        await AssertNewestStateAsync(customers, events, messages);
    }

    private List<BillingEvent> NewEvents(Random random, string customer, int count, int subscriptions)
    {
        var origin = Deliveries.Now.AddDays(-1);
        var created = Enumerable.Range(0, subscriptions).Select(i => origin.AddHours(-10 + i)).ToArray();
        var seconds = Enumerable.Range(0, count * 3).OrderBy(_ => random.Next()).Take(count).ToArray();
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var subscription = random.Next(subscriptions);
            return new BillingEvent(customer, $"sub_{customer[4..12]}_{subscription}", created[subscription], Statuses[random.Next(Statuses.Length)],
                LookupKeys[random.Next(LookupKeys.Length)], origin.AddSeconds(seconds[i]), SampleIds.New("evt_"));
        })];
    }

    private async Task<List<BinaryData>> DeliverAsync(IReadOnlyList<BillingEvent> events)
    {
        foreach (var customer in events.Select(e => e.Customer).Distinct())
        {
            host.StandIn.AddOrganization("org_" + customer[4..], customer);
        }

        return await DeliverManyStripeAsync([.. events.Select(e => StripeSamples.Create("customer.subscription.updated", new SampleOptions
        {
            EventId = e.EventId, OccurredAt = e.OccurredAt, CustomerId = e.Customer, SubscriptionId = e.SubscriptionId,
            SubscriptionStatus = e.Status, PriceLookupKey = e.LookupKey, SubscriptionCreatedAt = e.SubscriptionCreated,
        }).ToJsonString())]);
    }

    private async Task AssertNewestStateAsync(List<string> customers, List<BillingEvent> events, List<BinaryData> messages)
    {
        var ledger = Fixture.Host.Services.GetRequiredService<EventLedgerQueries>();
        foreach (var message in messages)
        {
            var row = (await ledger.FindAsync(StripeSource.Id, EnvelopeCodec.Decode(message.ToMemory()).EventId))!;
            Assert.Contains(row.Status, new ProcessingStatus?[] { ProcessingStatus.Processed, ProcessingStatus.StaleSkipped });
        }

        foreach (var customer in customers)
        {
            var (metadata, features) = Expected(events.Where(e => e.Customer == customer).ToList());
            Assert.Equal(metadata, host.StandIn.MetadataOf(customer)!.OrderBy(p => p.Key, StringComparer.Ordinal));
            Assert.Equal(features, host.StandIn.FeaturesOf(customer)!.Where(f => f.Key is "sso" or "dir_sync").OrderBy(p => p.Key, StringComparer.Ordinal));
        }

        var repeated = host.StandIn.MetadataChanges.Where(p => customers.Any(c => p.Key.StartsWith(c + "|", StringComparison.Ordinal)) && p.Value > 1).ToList();
        Assert.True(repeated.Count == 0, $"changes applied more than once: {string.Join(", ", repeated.Select(p => p.Key))}");
        output.WriteLine($"stand-in faults so far: {host.StandIn.FaultsInjected}; metadata PATCHes for these customers: {host.StandIn.MetadataPatches.Where(p => customers.Any(c => p.Key.StartsWith(c + "|", StringComparison.Ordinal))).Sum(p => p.Value)} for {events.Count} events");
    }

    /// <summary>The state the spec asks for, worked out from the events alone: newest event per subscription, then the governing subscription.</summary>
    private static (List<KeyValuePair<string, string>> Metadata, List<KeyValuePair<string, bool>> Features) Expected(List<BillingEvent> events)
    {
        var latest = events.GroupBy(e => e.SubscriptionId)
            .Select(g => g.OrderBy(e => e.OccurredAt).ThenBy(e => e.EventId, StringComparer.Ordinal).Last()).ToList();
        var governing = latest.OrderBy(e => e.Status switch { "active" or "trialing" => 0, "past_due" => 1, "unpaid" or "incomplete" => 2, _ => 3 })
            .ThenByDescending(e => e.SubscriptionCreated).First();
        var plan = governing.LookupKey switch { "pro_monthly" => "pro", "starter_monthly" => "starter", _ => "enterprise" };
        var entitled = governing.Status is "active" or "trialing" or "past_due" && plan != "starter";
        var metadata = new Dictionary<string, string>
        {
            ["tier"] = "gold",
            ["subscription_status"] = governing.Status,
            ["plan_type"] = plan,
            ["subscription_period_end"] = BillingState.Iso(governing.OccurredAt.AddDays(30)),
            ["last_billing_update"] = BillingState.Iso(events.Max(e => e.OccurredAt)),
        };
        return ([.. metadata.OrderBy(p => p.Key, StringComparer.Ordinal)],
            [new("dir_sync", entitled), new("sso", entitled)]);
    }

    private sealed record BillingEvent(string Customer, string SubscriptionId, DateTimeOffset SubscriptionCreated, string Status, string LookupKey, DateTimeOffset OccurredAt, string EventId);
}
