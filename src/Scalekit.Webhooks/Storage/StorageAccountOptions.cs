using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace Scalekit.Webhooks.Storage;

/// <summary>
/// Which storage account holds what. The queues stay on <c>AzureWebJobsStorage</c>, where the Functions host's queue
/// triggers and poison moves look; the tables and the claim-check blobs may each have an account of their own, so one
/// deployment can go past one account's request rate (docs/scale.md). Each setting takes the forms of
/// <see cref="StorageAccount"/>; a form that cannot work stops start-up naming the setting.
/// </summary>
public sealed class StorageAccountOptions
{
    public const string QueuesSetting = "AzureWebJobsStorage";

    /// <summary>The tables: read model, dead letters, audit, onboarding, CRM and, unless <see cref="LedgerSetting"/> is set, the event ledger.</summary>
    public const string StateSetting = "STATE_STORAGE";

    /// <summary>The event ledger table alone (one write or two per processed event, the busiest table).</summary>
    public const string LedgerSetting = "LEDGER_STORAGE";

    /// <summary>The claim-check blobs (bodies too large for a queue message).</summary>
    public const string PayloadSetting = "PAYLOAD_STORAGE";

    /// <summary>Event, poison and work queues. Null when <c>AzureWebJobsStorage</c> is not set (no client can be made then).</summary>
    public StorageAccount? Queues { get; set; }

    /// <summary>The tables; default <see cref="Queues"/>.</summary>
    public StorageAccount? State { get; set; }

    /// <summary>The event ledger table; default <see cref="State"/>.</summary>
    public StorageAccount? Ledger { get; set; }

    /// <summary>The claim-check blobs; default <see cref="Queues"/>.</summary>
    public StorageAccount? Payloads { get; set; }

    internal static void Bind(StorageAccountOptions options, IConfiguration configuration)
    {
        options.Queues = StorageAccount.Read(configuration, QueuesSetting);
        options.State = StorageAccount.Read(configuration, StateSetting) ?? options.Queues;
        options.Ledger = StorageAccount.Read(configuration, LedgerSetting) ?? options.State;
        options.Payloads = StorageAccount.Read(configuration, PayloadSetting) ?? options.Queues;

        // Making a client reads the setting's form without a request: a broken one stops start-up here, named,
        // instead of failing the first event.
        options.Queues?.QueueService(new QueueClientOptions());
        options.State?.TableService(new TableClientOptions());
        options.Ledger?.TableService(new TableClientOptions());
        options.Payloads?.BlobService(new BlobClientOptions());
    }
}
