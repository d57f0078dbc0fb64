using System.Net;
using System.Text.Json.Nodes;
using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Testing;

namespace Scalekit.Webhooks.IntegrationTests.Hosting;

/// <summary>
/// A consuming local host with three accounts: queues on <c>AzureWebJobsStorage</c> (the fixture's Azurite), the
/// tables and the claim-check blobs on a second Azurite (<c>STATE_STORAGE</c>, <c>PAYLOAD_STORAGE</c>) and the event
/// ledger on a third (<c>LEDGER_STORAGE</c>).
/// </summary>
public sealed class SeparateStorageAccountsFixture : LocalHostFixture
{
    public Azurite StateStorage { get; private set; } = null!;

    public Azurite LedgerStorage { get; private set; } = null!;

    protected override bool QueueTriggersEnabled => true;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        [StorageAccountOptions.StateSetting] = StateStorage.ConnectionString,
        [StorageAccountOptions.PayloadSetting] = StateStorage.ConnectionString,
        [StorageAccountOptions.LedgerSetting] = LedgerStorage.ConnectionString,
    };

    public override async Task InitializeAsync()
    {
        StateStorage = await Azurite.StartNewAsync();
        LedgerStorage = await Azurite.StartNewAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await StateStorage.DisposeAsync();
        await LedgerStorage.DisposeAsync();
    }

    /// <summary>Clients that see only <paramref name="account"/> (every role on it), to look at what it holds.</summary>
    public static StorageClients Only(Azurite account) =>
        StorageClients.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection([new(StorageClients.SettingName, account.ConnectionString)]).Build(), StorageRetry.Default);
}

public class SeparateStorageAccountsTests(SeparateStorageAccountsFixture host) : IClassFixture<SeparateStorageAccountsFixture>
{
    [Fact]
    public async Task ScalekitEvent_IsQueuedOnTheQueueAccount_AndProcessedIntoTheStateAndLedgerAccounts()
    {
        var eventId = SampleIds.New("evt_");
        var organizationId = SampleIds.New("org_");
        var body = ScalekitSamples.Create("organization.created", new SampleOptions { OccurredAt = Deliveries.Now, OrganizationId = organizationId, EventId = eventId }).ToJsonString();

        using (var response = await host.Client.PostAsync("scalekit", body, Deliveries.SignScalekit(body, host.ScalekitSecret)))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        var ledger = new EventLedgerQueries(SeparateStorageAccountsFixture.Only(host.LedgerStorage));
        var entry = await Poll.UntilAsync(
            async () => await ledger.FindAsync(ScalekitSource.Id, eventId) is { } found && found.Status.IsFinal() ? found : null,
            "the event's final status in the ledger account");
        Assert.Equal(ProcessingStatus.Processed, entry.Status);
        var organization = await new OrganizationStore(SeparateStorageAccountsFixture.Only(host.StateStorage)).GetAsync(organizationId);
        Assert.NotNull(organization);

        // The queue account holds queues and nothing else; the ledger is on its own account only.
        Assert.Empty(await TableNamesAsync(host.Storage));
        Assert.DoesNotContain(StorageNames.EventLedgerTable, await TableNamesAsync(host.StateStorage));
        Assert.Equal([StorageNames.EventLedgerTable], await TableNamesAsync(host.LedgerStorage));
        Assert.Equal(
            StorageNames.AllTables.Where(table => table != StorageNames.EventLedgerTable).Order(StringComparer.Ordinal),
            (await TableNamesAsync(host.StateStorage)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task LargeEvent_ClaimCheckBlob_IsOnThePayloadAccount_AndTheEventIsProcessed()
    {
        var eventId = SampleIds.New("evt_");
        var sample = ScalekitSamples.Create("organization.updated", new SampleOptions { OccurredAt = Deliveries.Now, EventId = eventId });
        sample["padding"] = new string('p', 120_000);
        var body = sample.ToJsonString();

        using (var response = await host.Client.PostAsync("scalekit", body, Deliveries.SignScalekit(body, host.ScalekitSecret)))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        var ledger = host.Host.Services.GetRequiredService<EventLedgerQueries>();
        var entry = await Poll.UntilAsync(
            async () => await ledger.FindAsync(ScalekitSource.Id, eventId) is { } found && found.Status.IsFinal() ? found : null,
            "the claim-checked event's final status");
        Assert.Equal(ProcessingStatus.Processed, entry.Status);

        var payloads = new BlobServiceClient(host.StateStorage.ConnectionString).GetBlobContainerClient(StorageNames.PayloadContainer);
        var blobs = new List<string>();
        await foreach (var blob in payloads.GetBlobsAsync())
        {
            blobs.Add(blob.Name);
        }

        Assert.Contains(blobs, name => name.Contains(StorageKeys.Key(eventId), StringComparison.Ordinal));
        var queueAccountContainers = new List<string>();
        await foreach (var container in new BlobServiceClient(host.Storage.ConnectionString).GetBlobContainersAsync())
        {
            queueAccountContainers.Add(container.Name);
        }

        Assert.DoesNotContain(StorageNames.PayloadContainer, queueAccountContainers);
    }

    [Fact]
    public async Task Erasure_RemovesTheClaimCheckedBodyFromThePayloadAccount_AndTheLedgerPayloadFromTheLedgerAccount()
    {
        var email = $"{SampleIds.New("erase")}@acme.example";
        var eventId = SampleIds.New("evt_");
        var sample = ScalekitSamples.Create("organization.directory.user_updated", new SampleOptions { OccurredAt = Deliveries.Now, Email = email, EventId = eventId });
        sample["padding"] = new string('p', 120_000);
        var body = sample.ToJsonString();
        using (var response = await host.Client.PostAsync("scalekit", body, Deliveries.SignScalekit(body, host.ScalekitSecret)))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        var ledger = new EventLedgerQueries(SeparateStorageAccountsFixture.Only(host.LedgerStorage));
        await Poll.UntilAsync(
            async () => await ledger.FindAsync(ScalekitSource.Id, eventId) is { } found && found.Status.IsFinal() ? found : null,
            "the claim-checked event's final status in the ledger account");
        var payloads = new BlobServiceClient(host.StateStorage.ConnectionString).GetBlobContainerClient(StorageNames.PayloadContainer);
        Assert.NotEmpty(await BlobsOfAsync(payloads, eventId));

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ops/erasure") { Content = new StringContent(new JsonObject { ["email"] = email }.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("x-functions-key", host.OpsKey);
        using var erasure = await host.Client.SendAsync(request);

        // The host's own erasure-jobs listener runs the job.
        Assert.Equal(HttpStatusCode.Accepted, erasure.StatusCode);
        var statusUrl = erasure.Headers.Location!.ToString();
        var erased = JsonNode.Parse(await Poll.UntilAsync(async () =>
        {
            using var status = await host.OpsAsync(HttpMethod.Get, statusUrl);
            var job = await status.JsonAsync();
            return job.GetProperty("state").GetString() == "completed" ? job.GetProperty("erased").GetRawText() : null;
        }, "the erasure job to complete"))!;
        Assert.Equal(1, erased["event_ledger_payloads"]!.GetValue<int>());
        Assert.True(erased[StateTables.DirectoryUsers]!.GetValue<int>() >= 1);
        Assert.Empty(await BlobsOfAsync(payloads, eventId));
        var entry = await ledger.FindAsync(ScalekitSource.Id, eventId);
        Assert.Null(entry!.Payload);
        Assert.Null(entry.PayloadBlob);
    }

    private static async Task<List<string>> BlobsOfAsync(BlobContainerClient container, string eventId)
    {
        var names = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, StorageKeys.PayloadBlobName("scalekit", eventId, "x")[..^"x.json".Length], CancellationToken.None))
        {
            names.Add(blob.Name);
        }

        return names;
    }

    private static async Task<List<string>> TableNamesAsync(Azurite account)
    {
        var names = new List<string>();
        await foreach (var table in new TableServiceClient(account.ConnectionString).QueryAsync())
        {
            names.Add(table.Name);
        }

        return names;
    }
}
