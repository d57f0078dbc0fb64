using System.Diagnostics;
using System.Net;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.IntegrationTests.Ingest;

public class StorageOutageTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    [Fact]
    public async Task StorageDown_Is503WithRetryAfter_ThenAcceptedOnceStorageIsBack()
    {
        var before = Deliveries.ScalekitBody(eventId: "evt_before_outage");
        using (var response = await host.Client.PostAsync("scalekit", before, Deliveries.SignScalekit(before, host.ScalekitSecret)))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        await host.Storage.StopAsync();
        var during = Deliveries.ScalekitBody(eventId: "evt_during_outage");
        var clock = Stopwatch.StartNew();
        using (var response = await host.Client.PostAsync("scalekit", during, Deliveries.SignScalekit(during, host.ScalekitSecret)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(WebhookResponse.RetryAfterSecondsOnUnavailable), response.Headers.RetryAfter?.Delta);
            Assert.Equal("storage_unavailable", (await response.JsonAsync()).GetProperty("reason").GetString());
        }

        // Short storage retries keep the sender from timing out while we fail (both senders wait at least 10 s).
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"503 took {clock.Elapsed}");

        await host.Storage.StartAsync();
        var after = Deliveries.ScalekitBody(eventId: "evt_after_outage");
        using (var response = await host.Client.PostAsync("scalekit", after, Deliveries.SignScalekit(after, host.ScalekitSecret)))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        var stored = (await host.PeekAllAsync(StorageNames.QueueFor(ScalekitSource.Id))).Select(m => EnvelopeCodec.Decode(m.Body.ToMemory()).EventId).ToList();
        Assert.Equal(["evt_before_outage", "evt_after_outage"], stored);
    }
}
