using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Tests.Ingest;

public class EventSourcesTests
{
    [Fact]
    public void EverySource_HasItsOwnName_QueueAndProcessor()
    {
        Assert.Equal(EventSources.All.Count, EventSources.All.Select(profile => profile.Source.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal(EventSources.All.Count, EventSources.All.Select(profile => profile.SecretSetting).Distinct(StringComparer.Ordinal).Count());
        Assert.All(EventSources.All, profile =>
        {
            Assert.Equal(profile.Source.Name + "-events", profile.Queue);
            Assert.True(typeof(IEventProcessor).IsAssignableFrom(profile.Processor), $"{profile.Source}: {profile.Processor} is no IEventProcessor.");
            Assert.True(StorageNames.PoisonQueueFor(profile.Source, StorageNames.MaxEventQueueShards - 1).Length <= 63, $"{profile.Source}: its last poison queue name is too long.");
        });
    }

    [Theory]
    [InlineData("scalekit", ScalekitSource.Name)]
    [InlineData("STRIPE", StripeSource.Name)]
    [InlineData("Hr", HrSource.Name)]
    public void TryParse_AnyCase_FindsTheSource(string name, string expected)
    {
        Assert.True(EventSources.TryParse(name, out var source));
        Assert.Equal(expected, source.Name);
        Assert.Same(EventSources.Of(source), EventSources.All.Single(profile => profile.Source.Name == expected));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("salesforce")]
    [InlineData("scalekit-events")]
    [InlineData(" scalekit")]
    public void TryParse_NameNoProfileHas_Fails(string? name)
    {
        Assert.False(EventSources.TryParse(name, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Crm")]
    [InlineData("1crm")]
    [InlineData("crm-events")]
    [InlineData("crm/x")]
    [InlineData("abcdefghijabcdefghijabcdefghijabcdefghijk")]
    public void Name_ThatNoQueueOrRouteCouldHold_IsRefused(string name)
    {
        Assert.ThrowsAny<ArgumentException>(() => new WebhookSource(name));
    }

    [Fact]
    public void Names_ListsEverySource_ForMessages()
    {
        Assert.Equal("scalekit, stripe or hr", EventSources.Names);
    }

    [Fact]
    public void Of_UnregisteredSource_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EventSources.Of(new WebhookSource("crm")));
    }
}
