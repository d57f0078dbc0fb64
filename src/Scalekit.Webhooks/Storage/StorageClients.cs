using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace Scalekit.Webhooks.Storage;

/// <summary>
/// The queue, blob and table clients for the account named by the <c>AzureWebJobsStorage</c> setting, exactly as the
/// Functions host reads it: a connection string, or identity-based <c>AzureWebJobsStorage__*</c> settings.
/// </summary>
public sealed class StorageClients
{
    public const string SettingName = "AzureWebJobsStorage";

    public StorageClients(QueueServiceClient queues, BlobServiceClient blobs, TableServiceClient tables)
    {
        Queues = queues;
        Blobs = blobs;
        Tables = tables;
    }

    public QueueServiceClient Queues { get; }

    public BlobServiceClient Blobs { get; }

    public TableServiceClient Tables { get; }

    public QueueClient Queue(string name) => Queues.GetQueueClient(name);

    /// <summary>
    /// Creates the clients. Retries are short on purpose: an ingest request must fail within seconds (and answer 503)
    /// rather than keep the sender waiting past its own timeout.
    /// </summary>
    public static StorageClients FromConfiguration(IConfiguration configuration, StorageRetry retry)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(retry);
        var queueOptions = Configure(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }, retry);
        var blobOptions = Configure(new BlobClientOptions(), retry);
        var tableOptions = Configure(new TableClientOptions(), retry);

        var connectionString = configuration[SettingName];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new StorageClients(
                new QueueServiceClient(connectionString, queueOptions),
                new BlobServiceClient(connectionString, blobOptions),
                new TableServiceClient(connectionString, tableOptions));
        }

        var section = configuration.GetSection(SettingName);
        var credential = CreateCredential(section);
        return new StorageClients(
            new QueueServiceClient(ServiceUri(section, "queue"), credential, queueOptions),
            new BlobServiceClient(ServiceUri(section, "blob"), credential, blobOptions),
            new TableServiceClient(ServiceUri(section, "table"), credential, tableOptions));
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

    private static Uri ServiceUri(IConfigurationSection section, string service)
    {
        var explicitUri = section[service + "ServiceUri"];
        if (!string.IsNullOrWhiteSpace(explicitUri))
        {
            return new Uri(explicitUri);
        }

        var account = section["accountName"];
        if (string.IsNullOrWhiteSpace(account))
        {
            throw new InvalidOperationException(
                $"Storage is not configured: set {SettingName} to a connection string, or {SettingName}__accountName (or {SettingName}__{service}ServiceUri) for identity-based access.");
        }

        return new Uri($"https://{account}.{service}.core.windows.net");
    }

    private static TokenCredential CreateCredential(IConfigurationSection section)
    {
        var clientId = section["clientId"];
        return string.Equals(section["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(string.IsNullOrWhiteSpace(clientId) ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = string.IsNullOrWhiteSpace(clientId) ? null : clientId });
    }
}

/// <summary>Retry policy of the storage clients.</summary>
public sealed record StorageRetry(int MaxRetries, TimeSpan Delay, TimeSpan MaxDelay, TimeSpan NetworkTimeout)
{
    /// <summary>Two quick retries, each try bounded to 10 s: a failing store answers 503 within seconds.</summary>
    public static StorageRetry Default { get; } = new(2, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10));
}
