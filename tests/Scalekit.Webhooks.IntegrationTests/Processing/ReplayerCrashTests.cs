using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Storage;

using Scalekit.Webhooks.Testing;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;

namespace Scalekit.Webhooks.IntegrationTests.Processing;

public class ReplayerCrashTests
{
    private const int Messages = 600;

    [Fact]
    public async Task HostKilledMidReplayBatch_AndRestarted_AccountsForEveryMessage()
    {
        await using var storage = await Azurite.StartNewAsync();
        var clients = StorageClients.FromConfiguration(
            new ConfigurationBuilder().AddInMemoryCollection([new("AzureWebJobsStorage", storage.ConnectionString)]).Build(),
            StorageRetry.Default);
        await new StorageProvisioner(clients).EnsureCreatedAsync();
        var poison = clients.Queue(StorageNames.PoisonQueueFor(ScalekitSource.Id));
        var eventIds = new List<string>();
        for (var i = 0; i < Messages; i++)
        {
            var eventId = $"evt_crash_{i:D4}";
            eventIds.Add(eventId);
            var body = ScalekitSamples.Create("organization.domain_created", new SampleOptions { OccurredAt = Deliveries.Now, EventId = eventId, OrganizationId = $"org_crash_{i:D4}" });
            var envelope = new EventEnvelope
            {
                Source = ScalekitSource.Id,
                DeliveryId = $"msg_crash_{i:D4}",
                EventId = eventId,
                EventType = "organization.domain_created",
                OccurredAt = Deliveries.Now,
                ReceivedAt = Deliveries.Now,
                InlinePayload = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(body),
            };
            await poison.SendMessageAsync(BinaryData.FromBytes(EnvelopeCodec.Encode(envelope)));
        }

        var settings = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = storage.ConnectionString,
            ["SCALEKIT_WEBHOOK_SECRET"] = WebhookSigner.NewScalekitSecret(),
            ["DEADLETTER_REPLAY_SCHEDULE"] = "* * * * * *",
            ["DEADLETTER_REPLAY_BASE_DELAY_SECONDS"] = "0",
            ["DEADLETTER_REPLAY_LEASE_SECONDS"] = "1",
            ["AzureFunctionsJobHost__extensions__queues__visibilityTimeout"] = "00:00:00",
            ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.200",
            // Messages the killed host was working on reappear after this lease instead of the default 5 minutes.
            ["LOCAL_QUEUE_PROCESSING_LEASE_SECONDS"] = "5",
            ["LEDGER_CLAIM_LEASE_SECONDS"] = "10",
        };

        int poisonAtKill;
        await using (var first = await LocalHostProcess.StartAsync(settings))
        {
            // Kill as soon as the replayer has started moving messages, while the batch is still running.
            poisonAtKill = await WaitForReplayToStartAsync(poison);
            await first.KillAsync();
        }

        Assert.InRange(poisonAtKill, 1, Messages - 1);

        await using (await LocalHostProcess.StartAsync(settings))
        {
            await ScalekitProcessingTests.Eventually(async () =>
                (await poison.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0
                && (await clients.Queue(StorageNames.QueueFor(ScalekitSource.Id)).GetPropertiesAsync()).Value.ApproximateMessagesCount == 0
                && await CountFinalAsync(clients) == Messages,
                TimeSpan.FromSeconds(120));
        }

        var ledger = new EventLedgerQueries(clients);
        var deadLetters = clients.Tables.GetTableClient(StorageNames.DeadLetterTable);
        var lost = new List<string>();
        foreach (var eventId in eventIds)
        {
            var entry = await ledger.FindAsync(ScalekitSource.Id, eventId);
            var parked = await deadLetters.GetEntityIfExistsAsync<TableEntity>("scalekit", eventId);
            if (!(entry?.Status).IsFinal() && !parked.HasValue)
            {
                lost.Add(eventId);
            }
        }

        Assert.Empty(lost);
    }

    private static async Task<int> WaitForReplayToStartAsync(Azure.Storage.Queues.QueueClient poison)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            var remaining = (await poison.GetPropertiesAsync()).Value.ApproximateMessagesCount;
            if (remaining < Messages)
            {
                return remaining;
            }

            await Task.Delay(10);
        }

        return Messages;
    }

    private static async Task<int> CountFinalAsync(StorageClients clients)
    {
        var count = 0;
        await foreach (var entry in new EventLedgerQueries(clients).ListAsync(new LedgerFilter()))
        {
            if (entry.Status.IsFinal())
            {
                count++;
            }
        }

        return count;
    }
}
