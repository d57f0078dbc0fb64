using System.Text.Json;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Samples;

namespace Scalekit.Webhooks.Tests.Samples;

public class SampleEventsTests
{
    private static readonly SampleOptions Options = new() { OccurredAt = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000) };

    public static TheoryData<string> ScalekitTypes => [.. ScalekitSamples.Types];

    public static TheoryData<string> StripeTypes => [.. StripeSamples.Types];

    [Fact]
    public void ScalekitTypes_AreThe41PublishedOnes()
    {
        Assert.Equal(41, ScalekitSamples.Types.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(ScalekitTypes))]
    public void ScalekitSample_HasTheEnvelopeFieldsIngestNeeds(string type)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(ScalekitSamples.Create(type, Options));
        Assert.True(EventMetadata.TryRead(body, out var metadata, out var failure), failure.Detail);
        Assert.Equal(type, metadata!.EventType);
        Assert.StartsWith("evt_", metadata.EventId, StringComparison.Ordinal);
        Assert.Equal(Options.OccurredAt, metadata.OccurredAt);
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        Assert.Equal("1", root.GetProperty("spec_version").GetString());
        Assert.StartsWith("env_", root.GetProperty("environment_id").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Object, root.GetProperty("data").ValueKind);
        var orgScoped = !(type.StartsWith("role.", StringComparison.Ordinal) || type.StartsWith("permission.", StringComparison.Ordinal) || type.StartsWith("connected_account.", StringComparison.Ordinal));
        Assert.Equal(orgScoped, root.TryGetProperty("organization_id", out _));
    }

    [Theory]
    [MemberData(nameof(StripeTypes))]
    public void StripeSample_ParsesWithStripeNetAtTheExpectedApiVersion(string type)
    {
        var json = JsonSerializer.Serialize(StripeSamples.Create(type, Options with { CustomerId = "cus_test_42" }));
        var stripeEvent = global::Stripe.EventUtility.ParseEvent(json, throwOnApiVersionMismatch: true);
        Assert.Equal(type, stripeEvent.Type);
        Assert.Contains("cus_test_42", json, StringComparison.Ordinal);
    }

    [Fact]
    public void StripeSubscriptionSample_HasPeriodEndAndLookupKeyOnItsItem()
    {
        var json = JsonSerializer.Serialize(StripeSamples.Create("customer.subscription.updated", Options with { PriceLookupKey = "team_yearly" }));
        var subscription = Assert.IsType<global::Stripe.Subscription>(global::Stripe.EventUtility.ParseEvent(json).Data.Object);
        Assert.Equal("team_yearly", subscription.Items.Data[0].Price.LookupKey);
        Assert.True(subscription.Items.Data[0].CurrentPeriodEnd > Options.OccurredAt.UtcDateTime);
    }
}
