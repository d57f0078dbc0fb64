using Azure;
using Azure.Data.Tables;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Stripe.Recovery;

/// <summary>
/// The recovery run table: the only code that knows its name, keys and columns. One row per run; a consumer holds a
/// run by a lease column written with the row's ETag, so two messages of one run never work it at once and a crashed
/// consumer's lease lapses.
/// </summary>
public sealed class RecoveryRunStore(StorageClients clients, TimeProvider time)
{
    private const string RunRow = "run";

    private TableClient Table => clients.Tables.GetTableClient(StorageNames.StripeRecoveryTable);

    public async Task AddAsync(RecoveryRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        await Table.AddEntityAsync(ToRow(run, leasedUntil: null), cancellationToken).ConfigureAwait(false);
    }

    public async Task<RecoveryRun?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(StorageKeys.Key(id), RunRow, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? FromRow(row.Value!) : null;
    }

    /// <summary>
    /// Takes the run for <paramref name="duration"/>: the run with its new version; <c>Busy</c> while another consumer
    /// holds it (or took it in between); neither when there is no such run.
    /// </summary>
    public async Task<(RecoveryRun? Run, bool Busy)> TryLeaseAsync(string id, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(StorageKeys.Key(id), RunRow, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!row.HasValue)
        {
            return (null, false);
        }

        var now = time.GetUtcNow();
        if (row.Value!.GetDateTimeOffset(Columns.LeasedUntil) > now)
        {
            return (null, true);
        }

        var run = FromRow(row.Value);
        try
        {
            var updated = await Table.UpdateEntityAsync(ToRow(run, now + duration), row.Value.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return (run with { Version = updated.Headers.ETag ?? ETag.All }, false);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            return (null, true);
        }
    }

    /// <summary>
    /// Writes the run's progress, keeping the lease for <paramref name="leaseFor"/> more (none: released). Throws a
    /// <see cref="RequestFailedException"/> (412) when another consumer took the run after this one's lease lapsed.
    /// </summary>
    public async Task<RecoveryRun> SaveAsync(RecoveryRun run, TimeSpan? leaseFor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var leasedUntil = leaseFor is { } lease ? time.GetUtcNow() + lease : (DateTimeOffset?)null;
        var updated = await Table.UpdateEntityAsync(ToRow(run, leasedUntil), run.Version, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        return run with { Version = updated.Headers.ETag ?? ETag.All };
    }

    /// <summary>Runs started since <paramref name="since"/>, in no particular order.</summary>
    public async IAsyncEnumerable<RecoveryRun> StartedSinceAsync(DateTimeOffset since, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"RowKey eq {RunRow} and StartedAt ge {since}");
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return FromRow(row);
        }
    }

    private static TableEntity ToRow(RecoveryRun run, DateTimeOffset? leasedUntil) => new(StorageKeys.Key(run.Id), RunRow)
    {
        [Columns.Id] = run.Id,
        [Columns.Since] = run.Since,
        [Columns.Trigger] = run.Trigger,
        [Columns.State] = run.State,
        [Columns.Cursor] = run.Cursor,
        [Columns.Pages] = run.Pages,
        [Columns.Listed] = run.Listed,
        [Columns.AlreadyKnown] = run.AlreadyKnown,
        [Columns.Queued] = run.Queued,
        [Columns.Failed] = run.Failed,
        [Columns.Attempts] = run.Attempts,
        [Columns.LastError] = run.LastError,
        [Columns.StartedAt] = run.StartedAt,
        [Columns.UpdatedAt] = run.UpdatedAt,
        [Columns.CompletedAt] = run.CompletedAt,
        [Columns.LeasedUntil] = leasedUntil,
    };

    private static RecoveryRun FromRow(TableEntity row) =>
        new(row.GetString(Columns.Id), row.GetDateTimeOffset(Columns.Since) ?? DateTimeOffset.MinValue, row.GetString(Columns.Trigger) ?? "ops")
        {
            State = row.GetString(Columns.State) ?? RecoveryState.Queued,
            Cursor = row.GetString(Columns.Cursor),
            Pages = row.GetInt32(Columns.Pages) ?? 0,
            Listed = row.GetInt32(Columns.Listed) ?? 0,
            AlreadyKnown = row.GetInt32(Columns.AlreadyKnown) ?? 0,
            Queued = row.GetInt32(Columns.Queued) ?? 0,
            Failed = row.GetInt32(Columns.Failed) ?? 0,
            Attempts = row.GetInt32(Columns.Attempts) ?? 0,
            LastError = row.GetString(Columns.LastError),
            StartedAt = row.GetDateTimeOffset(Columns.StartedAt) ?? DateTimeOffset.MinValue,
            UpdatedAt = row.GetDateTimeOffset(Columns.UpdatedAt) ?? DateTimeOffset.MinValue,
            CompletedAt = row.GetDateTimeOffset(Columns.CompletedAt),
            Version = row.ETag,
        };

    private static class Columns
    {
        public const string Id = "Id";
        public const string Since = "Since";
        public const string Trigger = "Trigger";
        public const string State = "State";
        public const string Cursor = "Cursor";
        public const string Pages = "Pages";
        public const string Listed = "Listed";
        public const string AlreadyKnown = "AlreadyKnown";
        public const string Queued = "Queued";
        public const string Failed = "Failed";
        public const string Attempts = "Attempts";
        public const string LastError = "LastError";
        public const string StartedAt = "StartedAt";
        public const string UpdatedAt = "UpdatedAt";
        public const string CompletedAt = "CompletedAt";
        public const string LeasedUntil = "LeasedUntil";
    }
}
