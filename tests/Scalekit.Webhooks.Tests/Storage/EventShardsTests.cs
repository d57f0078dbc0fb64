using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Tests.Storage;

public class EventShardsTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void EntityKey_Scalekit_IsTheOrganization()
    {
        var body = ScalekitSamples.Create("organization.domain_created", new SampleOptions { OccurredAt = At, OrganizationId = "org_affinity_1" });

        Assert.Equal("org_affinity_1", Key(ScalekitSource.Id, body.ToJsonString()));
    }

    [Fact]
    public void EntityKey_Scalekit_ReadsDataOrganization_WhenTheTopLevelHasNone()
    {
        Assert.Equal("org_in_data", Key(ScalekitSource.Id, """{"id":"evt_1","type":"x","data":{"organization_id":"org_in_data"}}"""));
    }

    [Theory]
    [InlineData("""{"id":"evt_1","type":"role.created","data":{"id":"role_1"}}""")]
    [InlineData("""{"id":"evt_1","type":"x","organization_id":""}""")]
    [InlineData("""{"id":"evt_1","type":"x","organization_id":42}""")]
    [InlineData("""[1,2]""")]
    [InlineData("""{"id":"evt_1",""")]
    public void EntityKey_NoUsableOrganization_IsNull(string body)
    {
        Assert.Null(Key(ScalekitSource.Id, body));
    }

    [Fact]
    public void EntityKey_StripeSubscription_IsItsCustomer()
    {
        var body = StripeSamples.Create("customer.subscription.updated", new SampleOptions { OccurredAt = At, CustomerId = "cus_affinity_1" });

        Assert.Equal("cus_affinity_1", Key(StripeSource.Id, body.ToJsonString()));
    }

    [Fact]
    public void EntityKey_StripeCustomerEvent_IsTheCustomerItself()
    {
        Assert.Equal("cus_self", Key(StripeSource.Id, """{"id":"evt_1","type":"customer.updated","data":{"object":{"id":"cus_self","object":"customer"}}}"""));
    }

    [Fact]
    public void EntityKey_Hr_IsTheEmployee()
    {
        var body = HrSamples.Create("employee.updated", new SampleOptions { OccurredAt = At, EmployeeId = "E-7" });

        Assert.Equal("E-7", Key(HrSource.Id, body.ToJsonString()));
    }

    [Fact]
    public void ShardOf_IsAFixedFunctionOfTheKey_NotOfTheProcess()
    {
        // FNV-1a of the UTF-8 bytes; these values hold in every process, so every instance picks the same shard.
        Assert.Equal(0, EventShards.ShardOf("org_62711281101783560", 1));
        Assert.Equal(11, EventShards.ShardOf("org_62711281101783560", 16));
        Assert.Equal(3, EventShards.ShardOf("cus_QxSampleCustomer1", 4));
        Assert.Equal(Fnv("org_62711281101783560") % 16, (uint)EventShards.ShardOf("org_62711281101783560", 16));
        Assert.Equal(Fnv("cus_QxSampleCustomer1") % 4, (uint)EventShards.ShardOf("cus_QxSampleCustomer1", 4));
        Assert.Equal(Fnv("ünïcode-組織") % 7, (uint)EventShards.ShardOf("ünïcode-組織", 7));
        Assert.Equal(Fnv(new string('x', 400)) % 16, (uint)EventShards.ShardOf(new string('x', 400), 16));
    }

    [Fact]
    public void ShardOf_SpreadsEntitiesEvenly()
    {
        var counts = new int[4];
        for (var i = 0; i < 8000; i++)
        {
            counts[EventShards.ShardOf(SampleIds.New("org_"), 4)]++;
        }

        Assert.All(counts, count => Assert.InRange(count, 1700, 2300));
    }

    [Fact]
    public void ShardOfEnvelope_UsesItsKey_ThenThePayload_ThenTheEventId()
    {
        var payload = Encoding.UTF8.GetBytes("""{"id":"evt_a","type":"organization.updated","organization_id":"org_payload"}""");
        var envelope = new EventEnvelope { Source = ScalekitSource.Id, DeliveryId = "msg_1", EventId = "evt_a", EventType = "organization.updated", ReceivedAt = At, InlinePayload = payload };

        Assert.Equal(EventShards.ShardOf("org_payload", 16), EventShards.ShardOf(envelope, 16));
        Assert.Equal(EventShards.ShardOf("org_kept", 16), EventShards.ShardOf(envelope with { ShardKey = "org_kept" }, 16));
        Assert.Equal(EventShards.ShardOf("evt_a", 16), EventShards.ShardOf(envelope with { InlinePayload = default, PayloadBlob = new PayloadReference("c", "b", 1, "s") }, 16));
    }

    [Fact]
    public void QueueNames_ShardZeroKeepsTheUnshardedName_OthersAreNumbered()
    {
        Assert.Equal("scalekit-events", StorageNames.QueueFor(ScalekitSource.Id, 0));
        Assert.Equal("stripe-events-15", StorageNames.QueueFor(StripeSource.Id, 15));
        Assert.Equal("hr-events-3-poison", StorageNames.PoisonQueueFor(HrSource.Id, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => StorageNames.QueueFor(HrSource.Id, StorageNames.MaxEventQueueShards));
        var eventQueues = EventSources.Sources.SelectMany(source => StorageNames.AllShards.SelectMany(shard => new[] { StorageNames.QueueFor(source, shard), StorageNames.PoisonQueueFor(source, shard) })).ToList();
        Assert.Equal(3 * 2 * StorageNames.MaxEventQueueShards, eventQueues.Distinct().Count());
        Assert.Subset(StorageNames.AllQueues.ToHashSet(), eventQueues.ToHashSet());
    }

    [Fact]
    public void ShardKey_SurvivesTheEnvelopeCodec()
    {
        var envelope = new EventEnvelope { Source = StripeSource.Id, DeliveryId = "dlv_1", EventId = "evt_b", EventType = "invoice.paid", ReceivedAt = At, InlinePayload = "{}"u8.ToArray(), ShardKey = "cus_9" };

        Assert.Equal("cus_9", EnvelopeCodec.Decode(EnvelopeCodec.Encode(envelope)).ShardKey);
        Assert.Null(EnvelopeCodec.Decode(EnvelopeCodec.Encode(envelope with { ShardKey = null })).ShardKey);
    }

    [Fact]
    public void ShardsSetting_Absent_IsOne()
    {
        Assert.Equal(1, Options([]).Shards);
        Assert.Equal(16, Options(new() { [EventQueueOptions.ShardsSetting] = "16" }).Shards);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("17")]
    [InlineData("-1")]
    public void ShardsSetting_OutOfRange_StopsStartNamingTheSetting(string value)
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Options(new() { [EventQueueOptions.ShardsSetting] = value }));

        Assert.Contains(EventQueueOptions.ShardsSetting, ex.Message, StringComparison.Ordinal);
        Assert.Contains("1 to 16", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShardsSetting_NotANumber_StopsStartNamingTheSetting()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Options(new() { [EventQueueOptions.ShardsSetting] = "four" }));

        Assert.Contains($"{EventQueueOptions.ShardsSetting} must be a whole number", ex.Message, StringComparison.Ordinal);
    }

    private static string? Key(WebhookSource source, string json) => EventShards.EntityKey(source, Encoding.UTF8.GetBytes(json));

    private static uint Fnv(string key)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            hash = unchecked((hash ^ b) * 16777619u);
        }

        return hash;
    }

    private static EventQueueOptions Options(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var provider = new ServiceCollection().AddLogging().AddScalekitWebhooks(configuration).BuildServiceProvider();
        return provider.GetRequiredService<IOptions<EventQueueOptions>>().Value;
    }
}
