using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Tests.Storage;

public class StorageAccountOptionsTests
{
    // Azurite's published development account; the key is public and no secret.
    private const string KeyedConnectionString = "DefaultEndpointsProtocol=https;AccountName=keyedacct;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;EndpointSuffix=core.windows.net";

    [Fact]
    public void OnlyAzureWebJobsStorage_EveryRoleUsesIt()
    {
        var clients = Clients(new() { ["AzureWebJobsStorage:accountName"] = "queueacct" });

        Assert.Equal(new Uri("https://queueacct.queue.core.windows.net"), clients.Queues.Uri);
        Assert.Equal(new Uri("https://queueacct.blob.core.windows.net"), clients.Blobs.Uri);
        Assert.Equal("queueacct", clients.Tables.AccountName);
        Assert.Same(clients.Tables, clients.LedgerTables);
    }

    [Fact]
    public void StateStorage_HoldsEveryTable_AndTheLedgerFollowsIt()
    {
        var clients = Clients(new()
        {
            ["AzureWebJobsStorage:accountName"] = "queueacct",
            ["STATE_STORAGE:accountName"] = "stateacct",
            ["STATE_STORAGE:credential"] = "managedidentity",
            ["STATE_STORAGE:clientId"] = "00000000-0000-0000-0000-000000000001",
        });

        Assert.Equal("stateacct", clients.Tables.AccountName);
        Assert.Equal("stateacct", clients.TablesFor(StorageNames.EventLedgerTable).AccountName);
        Assert.Equal("stateacct", clients.TablesFor(StorageNames.DeadLetterTable).AccountName);
        Assert.Equal(new Uri("https://queueacct.queue.core.windows.net"), clients.Queues.Uri);
        Assert.Equal(new Uri("https://queueacct.blob.core.windows.net"), clients.Blobs.Uri);
    }

    [Fact]
    public void LedgerAndPayloadStorage_EachTakeTheirOwnAccount_InEitherForm()
    {
        var clients = Clients(new()
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["STATE_STORAGE:tableServiceUri"] = "https://stateacct.table.core.windows.net",
            ["LEDGER_STORAGE"] = KeyedConnectionString,
            ["PAYLOAD_STORAGE:blobServiceUri"] = "https://payloadacct.blob.core.windows.net",
        });

        Assert.Equal("devstoreaccount1", clients.Queues.AccountName);
        Assert.Equal("stateacct", clients.TablesFor(StorageNames.AuditTable).AccountName);
        Assert.Equal("keyedacct", clients.TablesFor(StorageNames.EventLedgerTable).AccountName);
        Assert.Equal("keyedacct", clients.LedgerTables.AccountName);
        Assert.Equal(new Uri("https://payloadacct.blob.core.windows.net"), clients.Blobs.Uri);
    }

    [Theory]
    [InlineData("STATE_STORAGE", "not a connection string", "STATE_STORAGE must be a storage connection string")]
    [InlineData("PAYLOAD_STORAGE", "AccountName=;AccountKey=", "PAYLOAD_STORAGE must be a storage connection string")]
    [InlineData("LEDGER_STORAGE:clientId", "00000000-0000-0000-0000-000000000001", "LEDGER_STORAGE__accountName must be set for identity-based access (or LEDGER_STORAGE__tableServiceUri")]
    [InlineData("PAYLOAD_STORAGE:credential", "managedidentity", "PAYLOAD_STORAGE__accountName must be set for identity-based access (or PAYLOAD_STORAGE__blobServiceUri")]
    [InlineData("STATE_STORAGE:accountName", "stateacct.table.core.windows.net", "STATE_STORAGE__accountName must be a storage account name")]
    [InlineData("LEDGER_STORAGE:tableServiceUri", "/relative/path", "LEDGER_STORAGE__tableServiceUri must be an absolute http(s) URL of the account's table service")]
    [InlineData("AzureWebJobsStorage", "DefaultEndpointsProtocol", "AzureWebJobsStorage must be a storage connection string")]
    public void UnusableSetting_FailsNamingIt_WithoutItsValue(string setting, string value, string expected)
    {
        var configuration = new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true", [setting] = value };

        var error = Assert.Throws<OptionsValidationException>(() => StorageClients.FromConfiguration(Configuration(configuration), StorageRetry.Default));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(value, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyedConnectionString_ThatCannotBeRead_IsNeverRepeated()
    {
        var broken = KeyedConnectionString.Replace("AccountName=", "AccountName", StringComparison.Ordinal);

        var error = Assert.Throws<OptionsValidationException>(() => StorageClients.FromConfiguration(
            Configuration(new() { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true", ["STATE_STORAGE"] = broken }), StorageRetry.Default));

        Assert.Contains("STATE_STORAGE", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Eby8vdM02", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoQueueAccount_FailsNamingAzureWebJobsStorage()
    {
        var error = Assert.Throws<InvalidOperationException>(() => StorageClients.FromConfiguration(
            Configuration(new() { ["STATE_STORAGE"] = "UseDevelopmentStorage=true" }), StorageRetry.Default));

        Assert.Contains("AzureWebJobsStorage", error.Message, StringComparison.Ordinal);
    }

    private static StorageClients Clients(Dictionary<string, string?> settings) =>
        StorageClients.FromConfiguration(Configuration(settings), StorageRetry.Default);

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
}
