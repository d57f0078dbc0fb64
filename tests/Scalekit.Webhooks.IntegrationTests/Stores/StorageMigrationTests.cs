using Azure.Data.Tables;
using Scalekit.Webhooks.Cli;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.IntegrationTests.Stores;

/// <summary>
/// Rows written the way builds before partition spreading wrote them (one shared partition, no domain index) are moved
/// by the migration, found again through the stores, and a second run finds nothing to do.
/// </summary>
public class StorageMigrationTests
{
    private static readonly DateTimeOffset Old = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    [Fact]
    public async Task RowsWrittenTheOldWay_AreCountedByADryRun_MovedByARealRun_AndFoundThroughTheStores()
    {
        var storage = new StorageFixture();
        await storage.InitializeAsync();
        try
        {
            await MigrateAndCheckAsync(storage);
        }
        finally
        {
            await storage.DisposeAsync();
        }
    }

    private static async Task MigrateAndCheckAsync(StorageFixture storage)
    {
        await WriteOldRowsAsync(storage.Clients);
        var migration = new StorageMigration(storage.State, storage.Billing, new EventLedgerMaintenance(storage.Clients, TimeProvider.System));

        var dryRun = await migration.RunAsync(dryRun: true);

        Assert.Equal(3, dryRun.Rows[StateTables.Organizations]);
        Assert.Equal(1, dryRun.Rows[StateTables.Customers]);
        Assert.Equal(1, dryRun.Rows[StateTables.OrganizationLinks]);
        Assert.Equal(2, dryRun.Rows[StateTables.CustomerBilling]);
        Assert.Equal(1, dryRun.Rows[StateTables.DomainOrganizations]);
        Assert.Null(await storage.Organizations.GetAsync("org_old/1"));

        var real = await migration.RunAsync(dryRun: false);

        Assert.Equal(dryRun.Rows, real.Rows);
        Assert.Equal("Old name", (await storage.Organizations.GetAsync("org_old/1"))?.DisplayName);
        Assert.Equal("Newer than the copy", (await storage.Organizations.GetAsync("org_moved_meanwhile"))?.DisplayName);
        Assert.Equal("Copy is newer", (await storage.Organizations.GetAsync("org_stale_new_row"))?.DisplayName);
        Assert.Equal("deleted", (await storage.Customers.GetAsync("cus_old#1"))?.BillingStatus);
        Assert.Equal("org_old/1", await new OrganizationLinks(storage.Clients).FindAsync("cus_old#1"));
        Assert.Equal(3, (await storage.Billing.GetAsync("cus_over?1"))?.DesiredVersion);
        Assert.Equal(["cus_over?1"], await CustomersAsync(storage.Billing.OverBudgetAsync()));
        Assert.Equal(["cus_wait\\1"], await CustomersAsync(storage.Billing.WaitingAsync()));
        Assert.Equal(["org_old/1"], await storage.Domains.OrganizationsWithVerifiedDomainAsync("old.example"));
        Assert.Empty(await RowsInAsync(storage.Clients, StateTables.Organizations, StateTables.LegacyPartition));

        var again = await migration.RunAsync(dryRun: false);
        Assert.Equal(0, again.Total);
    }

    [Fact]
    public async Task MigrateCommand_DryRunByDefault_PrintsCounts_AndYesMovesThem()
    {
        var storage = new StorageFixture();
        await storage.InitializeAsync();
        try
        {
            await MigrateThroughTheCliAsync(storage);
        }
        finally
        {
            await storage.DisposeAsync();
        }
    }

    private static async Task MigrateThroughTheCliAsync(StorageFixture storage)
    {
        await WriteOldRowsAsync(storage.Clients);

        var (exit, output) = await RunCliAsync("migrate", "--connection", storage.Storage.ConnectionString);
        Assert.Equal(CliApp.Success, exit);
        Assert.Matches(@"Organizations\s+3", output);
        Assert.Contains("Dry run: 8 rows would be moved", output, StringComparison.Ordinal);
        Assert.Null(await storage.Organizations.GetAsync("org_old/1"));

        (exit, output) = await RunCliAsync("migrate", "--yes", "--connection", storage.Storage.ConnectionString);
        Assert.Equal(CliApp.Success, exit);
        Assert.Contains("8 rows moved", output, StringComparison.Ordinal);
        Assert.NotNull(await storage.Organizations.GetAsync("org_old/1"));

        (exit, output) = await RunCliAsync("migrate", "--connection", storage.Storage.ConnectionString);
        Assert.Contains("Dry run: 0 rows would be moved", output, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Output)> RunCliAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliApp.RunAsync(args, output, error);
        return (exit, output + error.ToString());
    }

    /// <summary>Rows as the previous build wrote them: ids as keys, organizations, customers, links and billing in partition "all".</summary>
    private static async Task WriteOldRowsAsync(StorageClients clients)
    {
        await AddAsync(clients, StateTables.Organizations, Shared("org_old/1", "evt_old_1", Old, ("DisplayName", "Old name")));
        await AddAsync(clients, StateTables.Organizations, Shared("org_moved_meanwhile", "evt_old_2", Old, ("DisplayName", "Old copy")));
        await AddAsync(clients, StateTables.Organizations, Own("org_moved_meanwhile", "evt_new_2", Old.AddMinutes(5), ("DisplayName", "Newer than the copy")));
        await AddAsync(clients, StateTables.Organizations, Shared("org_stale_new_row", "evt_old_3", Old.AddMinutes(5), ("DisplayName", "Copy is newer")));
        await AddAsync(clients, StateTables.Organizations, Own("org_stale_new_row", "evt_new_3", Old, ("DisplayName", "Older row")));
        await AddAsync(clients, StateTables.Customers, Shared("cus_old#1", "evt_old_4", Old, ("BillingStatus", "deleted")));
        await AddAsync(clients, StateTables.OrganizationLinks, Shared("cus_old#1", "evt_old_1", Old, ("OrganizationId", "org_old/1")));
        await AddAsync(clients, StateTables.CustomerBilling, new TableEntity(StateTables.LegacyPartition, StorageKeys.Key("cus_over?1"))
        {
            ["CustomerId"] = "cus_over?1",
            ["DesiredVersion"] = 3L,
            ["SyncedVersion"] = 2L,
            ["LastAttemptAt"] = Old,
            ["LastResult"] = SyncResults.Refused,
            ["LastReason"] = "no room",
            ["OverBudget"] = true,
        });
        await AddAsync(clients, StateTables.CustomerBilling, new TableEntity(StateTables.LegacyPartition, StorageKeys.Key("cus_wait\\1"))
        {
            ["CustomerId"] = "cus_wait\\1",
            ["DesiredVersion"] = 1L,
            ["SyncedVersion"] = 0L,
            ["LastAttemptAt"] = Old,
            ["LastResult"] = SyncResults.WaitingForOrganization,
            ["LastReason"] = "not linked",
            ["OverBudget"] = false,
            ["WaitingSince"] = Old,
        });
        var domain = Own("org_old/1", "evt_old_5", Old, ("Domain", "Old.Example"), ("VerificationStatus", "VERIFIED"));
        domain.RowKey = StorageKeys.Key("dom_old/1");
        await AddAsync(clients, StateTables.OrganizationDomains, domain);
    }

    private static TableEntity Shared(string id, string eventId, DateTimeOffset at, params (string Name, object Value)[] columns) =>
        Row(StateTables.LegacyPartition, id, eventId, at, columns);

    private static TableEntity Own(string id, string eventId, DateTimeOffset at, params (string Name, object Value)[] columns) =>
        Row(StorageKeys.Key(id), id, eventId, at, columns);

    private static TableEntity Row(string partition, string id, string eventId, DateTimeOffset at, (string Name, object Value)[] columns)
    {
        var row = new TableEntity(partition, StorageKeys.Key(id))
        {
            [StateStore.LastEventAt] = at,
            [StateStore.LastEventId] = eventId,
            [StateStore.LastEventType] = "organization.updated",
        };
        foreach (var (name, value) in columns)
        {
            row[name] = value;
        }

        return row;
    }

    private static async Task AddAsync(StorageClients clients, string table, TableEntity row) => await clients.Tables.GetTableClient(table).AddEntityAsync(row);

    private static async Task<List<TableEntity>> RowsInAsync(StorageClients clients, string table, string partition)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in clients.Tables.GetTableClient(table).QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}")))
        {
            rows.Add(row);
        }

        return rows;
    }

    private static async Task<List<string>> CustomersAsync(IAsyncEnumerable<CustomerBilling> rows)
    {
        var customers = new List<string>();
        await foreach (var row in rows)
        {
            customers.Add(row.CustomerId);
        }

        return customers;
    }
}
