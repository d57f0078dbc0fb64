using System.Net;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.DependencyInjection;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.IntegrationTests.Abuse;

/// <summary>A claim-checked body that is gone or altered can never be processed: the event is parked on its first attempt.</summary>
public class ClaimCheckTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ClaimCheckedBodyMissingOrAltered_IsParkedAtOnce_NotRetried(bool delete)
    {
        await host.ClearQueuesAsync();
        var eventId = SampleIds.New("evt_");
        var body = ScalekitSamples.Create("organization.updated", new SampleOptions { OccurredAt = Deliveries.Now, EventId = eventId });
        body["padding"] = new string('p', 120_000);
        var text = body.ToJsonString();
        using (var response = await host.Client.PostAsync("scalekit", text, Deliveries.SignScalekit(text, host.ScalekitSecret)))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        QueueMessage message = await host.Queue(StorageNames.QueueFor(ScalekitSource.Id)).ReceiveMessageAsync();
        var reference = EnvelopeCodec.Decode(message.Body.ToMemory()).PayloadBlob!;
        var blob = host.Clients.Blobs.GetBlobContainerClient(reference.Container).GetBlobClient(reference.BlobName);
        if (delete)
        {
            await blob.DeleteAsync();
        }
        else
        {
            await blob.UploadAsync(BinaryData.FromString(text.Replace("ppp", "qqq", StringComparison.Ordinal)), overwrite: true);
        }

        await host.Host.Services.GetRequiredService<EventConsumer>().HandleAsync(message.Body);

        var parked = await host.Host.Services.GetRequiredService<DeadLetterStore>().FindAsync(ScalekitSource.Id, eventId);
        Assert.NotNull(parked);
        Assert.Equal(DeadLetterStatus.Parked, parked.Status);
        Assert.Contains(delete ? "BlobNotFound" : "SHA-256", parked.Reason, StringComparison.Ordinal);
    }
}
