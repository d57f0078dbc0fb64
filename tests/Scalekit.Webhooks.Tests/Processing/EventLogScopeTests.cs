using Microsoft.Extensions.Logging;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;

namespace Scalekit.Webhooks.Tests.Processing;

public class EventLogScopeTests
{
    private static readonly EventEnvelope Envelope = new()
    {
        Source = ScalekitSource.Id,
        DeliveryId = "msg_7",
        EventId = "evt_7",
        EventType = "organization.directory.user_updated",
        ReceivedAt = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000),
        InlinePayload = "{}"u8.ToArray(),
    };

    [Fact]
    public void AScopeProvider_ReadsTheEventsIdsAsKeyValuePairs()
    {
        // How structured loggers (console JSON, the Functions worker) read a scope: its pairs, through the scope provider.
        var provider = new LoggerExternalScopeProvider();
        using (provider.Push(new EventLogScope(Envelope)))
        {
            var pairs = new List<KeyValuePair<string, object?>>();
            provider.ForEachScope((scope, list) => list.AddRange(Assert.IsAssignableFrom<IEnumerable<KeyValuePair<string, object?>>>(scope)), pairs);

            Assert.Equal(
                [new("Source", "scalekit"), new("EventId", "evt_7"), new("EventType", "organization.directory.user_updated"), new("DeliveryId", "msg_7")],
                pairs);
        }
    }

    [Fact]
    public void ItsText_NamesTheEvent()
    {
        var scope = new EventLogScope(Envelope);

        Assert.Equal("scalekit event evt_7 (organization.directory.user_updated), delivery msg_7", scope.ToString());
        Assert.Equal(4, scope.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => scope[4]);
    }
}
