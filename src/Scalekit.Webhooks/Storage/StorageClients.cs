using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace Scalekit.Webhooks.Storage;

/// <summary>
/// The queue, blob and table clients, each on the account <see cref="StorageAccountOptions"/> gives its role: queues
/// on <c>AzureWebJobsStorage</c> (read exactly as the Functions host reads it), tables on <c>STATE_STORAGE</c>, the
/// event ledger on <c>LEDGER_STORAGE</c> and claim-check blobs on <c>PAYLOAD_STORAGE</c>, each defaulting as the
/// options say. Stores take their client from here, so every caller (provisioning, migration, retention, erasure)
/// meets a table or blob on the account that holds it.
/// </summary>
public sealed class StorageClients
{
    public const string SettingName = StorageAccountOptions.QueuesSetting;

    /// <param name="queues">Event, poison and work queues.</param>
    /// <param name="blobs">Claim-check blobs.</param>
    /// <param name="tables">Every table but the event ledger.</param>
    /// <param name="ledgerTables">The event ledger's account; null when it is the same as <paramref name="tables"/>.</param>
    public StorageClients(QueueServiceClient queues, BlobServiceClient blobs, TableServiceClient tables, TableServiceClient? ledgerTables = null)
    {
        Queues = queues;
        Blobs = blobs;
        Tables = tables;
        LedgerTables = ledgerTables ?? tables;
    }

    public QueueServiceClient Queues { get; }

    /// <summary>The claim-check blobs' account.</summary>
    public BlobServiceClient Blobs { get; }

    /// <summary>Every table but the event ledger.</summary>
    public TableServiceClient Tables { get; }

    /// <summary>The event ledger's account (the same client as <see cref="Tables"/> unless <c>LEDGER_STORAGE</c> is set).</summary>
    public TableServiceClient LedgerTables { get; }

    public QueueClient Queue(string name) => Queues.GetQueueClient(name);

    /// <summary>The account that holds the table <paramref name="name"/>.</summary>
    public TableServiceClient TablesFor(string name) => name == StorageNames.EventLedgerTable ? LedgerTables : Tables;

    /// <summary>The clients for the accounts <paramref name="configuration"/> names (see <see cref="StorageAccountOptions"/>).</summary>
    public static StorageClients FromConfiguration(IConfiguration configuration, StorageRetry retry)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var accounts = new StorageAccountOptions();
        StorageAccountOptions.Bind(accounts, configuration);
        return Create(accounts, retry);
    }

    /// <summary>
    /// Creates the clients. Retries are short on purpose: an ingest request must fail within seconds (and answer 503)
    /// rather than keep the sender waiting past its own timeout.
    /// </summary>
    public static StorageClients Create(StorageAccountOptions accounts, StorageRetry retry)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentNullException.ThrowIfNull(retry);
        if (accounts is not { Queues: { } queues, State: { } state, Ledger: { } ledger, Payloads: { } payloads })
        {
            throw new InvalidOperationException(
                $"Storage is not configured: set {SettingName} to a connection string, or {SettingName}__accountName (or {SettingName}__queueServiceUri) for identity-based access.");
        }

        var tableOptions = Configure(new TableClientOptions(), retry);
        var tables = state.TableService(tableOptions);
        return new StorageClients(
            queues.QueueService(Configure(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }, retry)),
            payloads.BlobService(Configure(new BlobClientOptions(), retry)),
            tables,
            ReferenceEquals(ledger, state) ? tables : ledger.TableService(tableOptions));
    }

    private static T Configure<T>(T options, StorageRetry retry)
        where T : ClientOptions
    {
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = retry.MaxRetries;
        options.Retry.Delay = retry.Delay;
        options.Retry.MaxDelay = retry.MaxDelay;
        options.Retry.NetworkTimeout = retry.NetworkTimeout;
        return options;
    }
}

/// <summary>Retry policy of the storage clients.</summary>
public sealed record StorageRetry(int MaxRetries, TimeSpan Delay, TimeSpan MaxDelay, TimeSpan NetworkTimeout)
{
    /// <summary>Two quick retries, each try bounded to 10 s: a failing store answers 503 within seconds.</summary>
    public static StorageRetry Default { get; } = new(2, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10));
}
