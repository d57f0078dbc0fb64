using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Storage;

/// <summary>What one migration run moved (or, in a dry run, would move), per table.</summary>
public sealed record MigrationReport(bool DryRun, IReadOnlyDictionary<string, int> Rows)
{
    public int Total => Rows.Values.Sum();
}

/// <summary>
/// Moves rows written under an older key scheme to the keys this build reads, store by store: each store migrates its
/// own table. Idempotent (a second run finds nothing to move) and safe while the pipeline runs: a row an event wrote
/// under the new keys meanwhile is newer and is kept. A dry run only counts.
/// </summary>
public sealed class StorageMigration(StateStore readModel, CustomerBillingStore billing, EventLedgerMaintenance ledger)
{
    public async Task<MigrationReport> RunAsync(bool dryRun, CancellationToken cancellationToken = default)
    {
        var rows = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var (table, count) in await readModel.MigrateAsync(dryRun, cancellationToken).ConfigureAwait(false))
        {
            rows[table] = count;
        }

        rows[StateTables.CustomerBilling] = await billing.MigrateAsync(dryRun, cancellationToken).ConfigureAwait(false);
        rows[StorageNames.EventLedgerTable] = await ledger.MigrateAsync(dryRun, cancellationToken).ConfigureAwait(false);
        return new MigrationReport(dryRun, rows);
    }
}
