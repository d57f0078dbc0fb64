using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;

namespace Scalekit.Webhooks.Hr.Connections;

/// <summary>
/// What one connection's deliveries came to: its events in the ledger received since <see cref="Since"/> (the last
/// <see cref="HrConnectionDeliveryStats.Window"/>, at most <see cref="HrConnectionDeliveryStats.MaxEvents"/> read), its
/// refused deliveries since it was created, and its organization's employees synced into Scalekit.
/// </summary>
public sealed record HrConnectionDeliveries
{
    /// <summary>The start of the window the event counts cover.</summary>
    public required DateTimeOffset Since { get; init; }

    /// <summary>Events stored (answered 201) in the window.</summary>
    public required int Accepted { get; init; }

    /// <summary>True when the window held more events than were read: the counts are then a lower bound.</summary>
    public bool Truncated { get; init; }

    public int Processed { get; init; }

    public int Failed { get; init; }

    public int Parked { get; init; }

    /// <summary>When the newest event of the window was received.</summary>
    public DateTimeOffset? LastDeliveryAt { get; init; }

    /// <summary>The newest failed or parked event's error (its id and type are in the ledger).</summary>
    public string? LastError { get; init; }

    public DateTimeOffset? LastErrorAt { get; init; }

    public string? LastErrorEventId { get; init; }

    /// <summary>Refused deliveries on the connection's address, by the reason code of the answer (<c>invalid_signature</c>, …).</summary>
    public required IReadOnlyDictionary<string, long> RefusedByReason { get; init; }

    public DateTimeOffset? LastRefusedAt { get; init; }

    /// <summary>
    /// Deliveries on the connection's address that the refusal throttle answered 429 without reading them (their
    /// address had spent its budget of refusals), since the connection was made. Written every few seconds
    /// (<c>WEBHOOK_THROTTLED_FLUSH_SECONDS</c>), so the newest may not show yet.
    /// </summary>
    public long Throttled { get; init; }

    public DateTimeOffset? LastThrottledAt { get; init; }

    /// <summary>
    /// Employees of the connection's organization with a Scalekit user (employees are kept per organization), or null
    /// when there are more than <see cref="HrConnectionDeliveryStats.MaxEmployees"/> rows to count.
    /// </summary>
    public int? EmployeesSynced { get; init; }
}

/// <summary>Reads a connection's <see cref="HrConnectionDeliveries"/>: bounded ledger and table reads, nothing on the ingest path.</summary>
public sealed class HrConnectionDeliveryStats(EventLedgerQueries ledger, HrConnectionRefusals refusals, EmployeeStore employees, TimeProvider time)
{
    /// <summary>The events counted are those received within this window.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromDays(7);

    /// <summary>At most this many ledger rows are read per view.</summary>
    public const int MaxEvents = 10_000;

    /// <summary>At most this many employee rows are read per view.</summary>
    public const int MaxEmployees = 10_000;

    public async Task<HrConnectionDeliveries> ReadAsync(string connectionId, string? organizationId, CancellationToken cancellationToken = default)
    {
        var since = time.GetUtcNow() - Window;
        var refused = refusals.ReadAsync(connectionId, cancellationToken);
        var synced = organizationId is null ? Task.FromResult<int?>(0) : employees.CountSyncedAsync(organizationId, MaxEmployees, cancellationToken);
        var events = await ReadEventsAsync(connectionId, since, cancellationToken).ConfigureAwait(false);
        var (refusedCounts, employeesSynced) = (await refused.ConfigureAwait(false), await synced.ConfigureAwait(false));
        var failing = events.Entries
            .Where(entry => entry.Status is ProcessingStatus.Failed or ProcessingStatus.Parked)
            .MaxBy(entry => entry.LastFailedAt ?? entry.CompletedAt ?? entry.ReceivedAt);
        return new HrConnectionDeliveries
        {
            Since = since,
            Accepted = events.Entries.Count,
            Truncated = events.Truncated,
            Processed = events.Entries.Count(entry => entry.Status == ProcessingStatus.Processed),
            Failed = events.Entries.Count(entry => entry.Status == ProcessingStatus.Failed),
            Parked = events.Entries.Count(entry => entry.Status == ProcessingStatus.Parked),
            LastDeliveryAt = events.Entries.Max(entry => entry.ReceivedAt),
            LastError = failing is null ? null : failing.Status == ProcessingStatus.Failed ? failing.LastError : failing.Detail,
            LastErrorAt = failing?.LastFailedAt ?? failing?.CompletedAt,
            LastErrorEventId = failing?.EventId,
            RefusedByReason = refusedCounts.ByReason,
            LastRefusedAt = refusedCounts.LastRefusedAt,
            Throttled = refusedCounts.Throttled,
            LastThrottledAt = refusedCounts.LastThrottledAt,
            EmployeesSynced = employeesSynced,
        };
    }

    /// <summary>The window's events of the connection, one entry per event (a final row over an unfinished copy).</summary>
    private async Task<(IReadOnlyCollection<LedgerEntry> Entries, bool Truncated)> ReadEventsAsync(string connectionId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var byId = new Dictionary<string, LedgerEntry>(StringComparer.Ordinal);
        var read = 0;
        var prefix = ConnectionEventId.Compose(connectionId, string.Empty);
        await foreach (var entry in ledger.ListByEventIdPrefixAsync(HrSource.Id, prefix, since, cancellationToken).ConfigureAwait(false))
        {
            if (++read > MaxEvents)
            {
                return (byId.Values, true);
            }

            if (!byId.TryGetValue(entry.EventId, out var seen) || (!seen.Status.IsFinal() && entry.Status.IsFinal()))
            {
                byId[entry.EventId] = entry;
            }
        }

        return (byId.Values, false);
    }
}
