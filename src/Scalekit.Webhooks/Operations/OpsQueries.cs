using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Operations;

/// <summary>Filters for the event log search.</summary>
public sealed record EventQuery(string? Source, string? EventType, string? Status, DateTimeOffset? From, DateTimeOffset? To, string? OrganizationId, string? CustomerId);

/// <summary>
/// Read side of the operations API: stats, the event log, dead letters and the organization and customer read models,
/// each answer composed from the stores into a response type of its own (see <c>OpsResponses.cs</c> and
/// <c>CustomerResponses.cs</c>). This file holds stats, the event log and dead letters; organizations and customers
/// each have a file of their own (<c>OpsQueries.*.cs</c>).
/// </summary>
public sealed partial class OpsQueries(
    StorageClients clients,
    EventLedgerQueries ledger,
    PayloadStore payloads,
    DeadLetterStore deadLetters,
    OrganizationStore organizations,
    OrganizationDomainStore domains,
    DirectoryUserStore directoryUsers,
    DirectoryGroupStore directoryGroups,
    MembershipStore memberships,
    CustomerStore customers,
    SubscriptionStore subscriptions,
    OrganizationLinks links,
    CustomerBillingStore billing,
    EmployeeStore employees,
    Crm.CrmSyncStore crm,
    Crm.AccountLinks accounts,
    Stripe.Seats.SeatSyncStore seats,
    Ownership ownership,
    TimeProvider time,
    IEnumerable<IIntegrationHealth> integrationHealth)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 1000;

    /// <summary>Most ledger rows one stats call reads; a larger window is reported as truncated.</summary>
    public const int MaxStatsRows = 100_000;

    public async Task<StatsView> StatsAsync(TimeSpan window, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var since = now - window;
        // Every shard's queue, read at once: one depth per shard queue, summed per source below.
        var depthValues = await Task.WhenAll(StorageNames.AllQueues.Select(async queue =>
            (queue, (await clients.Queue(queue).GetPropertiesAsync(cancellationToken).ConfigureAwait(false)).Value.ApproximateMessagesCount))).ConfigureAwait(false);
        var depths = depthValues.ToDictionary(value => value.queue, value => value.ApproximateMessagesCount, StringComparer.Ordinal);

        var series = new EventSeries(since, now);
        var sources = EventSources.Sources.ToDictionary(source => source.Name, source => new SourceCounts(source), StringComparer.Ordinal);
        var counts = new Dictionary<(string Source, string Type, string Status), int>();
        var latencies = new List<double>();
        var scanned = 0;
        await foreach (var entry in ledger.ListAsync(new LedgerFilter { ReceivedFrom = since }, cancellationToken).ConfigureAwait(false))
        {
            if (++scanned > MaxStatsRows)
            {
                break;
            }

            var key = (entry.Source, entry.EventType ?? string.Empty, entry.StatusName ?? string.Empty);
            counts[key] = counts.GetValueOrDefault(key) + 1;
            // A source this build does not know (a row written by a newer version) still counts in the totals.
            var perSource = sources.GetValueOrDefault(entry.Source) ?? SourceCounts.Unknown;
            perSource.Ingested++;
            var received = entry.ReceivedAt;
            if (received is { } at)
            {
                series.Ingested(at);
            }

            if (entry.LastFailedAt is { } failedAt)
            {
                series.Failed(failedAt);
            }

            if (entry.Status == ProcessingStatus.Failed)
            {
                perSource.Failed++;
            }

            if (entry.Status != ProcessingStatus.Parked && entry.Status.IsFinal() && entry.CompletedAt is { } completed)
            {
                double? latency = received is { } start ? (completed - start).TotalMilliseconds : null;
                series.Processed(completed, latency);
                perSource.Processed++;
                if (latency is { } value)
                {
                    latencies.Add(value);
                }
            }
        }

        var parked = 0;
        await foreach (var entry in deadLetters.ParkedOrSinceAsync(since, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Status == DeadLetterStatus.Parked)
            {
                parked++;
                sources[entry.Source.Name].ParkedNow++;
            }

            if (entry.ParkedAt is { } parkedAt && parkedAt >= since)
            {
                series.Parked(parkedAt);
            }
        }

        latencies.Sort();
        var integrations = new List<IntegrationView>();
        foreach (var integration in integrationHealth)
        {
            integrations.Add((await integration.ReadAsync(since, cancellationToken).ConfigureAwait(false)).ToView());
        }

        return new StatsView(
            (long)window.TotalSeconds,
            since,
            depths,
            [.. sources.Values.Select(source => source.ToView(depths))],
            [.. counts.OrderBy(count => count.Key.Source, StringComparer.Ordinal).ThenBy(count => count.Key.Type, StringComparer.Ordinal).ThenBy(count => count.Key.Status, StringComparer.Ordinal)
                .Select(count => new EventCountView(count.Key.Source, count.Key.Type, count.Key.Status, count.Value))],
            Math.Min(scanned, MaxStatsRows),
            scanned > MaxStatsRows,
            new LatencyView(EventSeries.Percentile(latencies, 0.50), EventSeries.Percentile(latencies, 0.95), latencies.Count),
            parked,
            series.ToView(),
            integrations);
    }

    public async Task<EventView?> EventAsync(WebhookSource source, string eventId, CancellationToken cancellationToken = default)
    {
        var entry = await ledger.FindAsync(source, eventId, cancellationToken).ConfigureAwait(false);
        if (entry is null)
        {
            return null;
        }

        var payload = entry.Payload;
        if (payload is null && entry.PayloadBlob is { } blob && blob.Length <= MaxShownBlobBytes
            && await payloads.TryReadAsync(blob.Path, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            // A claim-checked body is shown like an inline one, up to a size a page can hold.
            payload = stored.ToString();
        }

        return EventOf(entry, payload);
    }

    /// <summary>Largest claim-checked body the event view includes (larger ones are named, not shown).</summary>
    public const long MaxShownBlobBytes = 4 * 1024 * 1024;

    public async Task<OpsPage<EventView>> SearchEventsAsync(EventQuery query, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        WebhookSource? source = null;
        if (!string.IsNullOrWhiteSpace(query.Source))
        {
            if (!EventSources.TryParse(query.Source, out var known) || known.Name != query.Source)
            {
                return new OpsPage<EventView>([], null);
            }

            source = known;
        }

        var filter = new LedgerFilter
        {
            Source = source,
            EventType = Blank(query.EventType),
            Status = Blank(query.Status),
            OrganizationId = Blank(query.OrganizationId),
            CustomerId = Blank(query.CustomerId),
            ReceivedFrom = query.From,
            ReceivedBefore = query.To,
        };
        var page = await ledger.SearchAsync(filter, Clamp(pageSize), continuation, cancellationToken).ConfigureAwait(false);
        return new OpsPage<EventView>([.. page.Entries.Select(entry => EventOf(entry, payload: null))], page.ContinuationToken);
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    public async Task<OpsPage<DeadLetterView>> DeadLettersAsync(WebhookSource? source, string? eventType, DeadLetterStatus? status, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        var page = await deadLetters.ListAsync(source, eventType, status, Clamp(pageSize), continuation, cancellationToken).ConfigureAwait(false);
        return new OpsPage<DeadLetterView>([.. page.Items.Select(entry => new DeadLetterView(
            entry.Source.Name, entry.EventId, entry.EventType, entry.Status.Name(), entry.Reason, entry.Attempts, entry.ReplayCount, entry.TimesParked,
            entry.FirstFailureAt, entry.LastFailureAt, entry.ParkedAt, entry.ReplayedAt, entry.ResolvedAt, entry.MessageRemovedAt))], page.ContinuationToken);
    }

    private static AppliedEvent? Applied(RowHistory history) =>
        history.LastEvent is { } last ? new AppliedEvent(last.EventId, last.EventType, last.OccurredAt) : null;

    private static EventView EventOf(LedgerEntry entry, string? payload) => new(
        entry.Source,
        entry.EventId,
        entry.EventType,
        entry.StatusName,
        entry.Detail,
        entry.Attempts,
        entry.ReplayCount,
        entry.OccurredAt,
        entry.ReceivedAt,
        entry.LastAttemptAt,
        entry.CompletedAt,
        entry.LastFailedAt,
        entry.LastError,
        entry.OrganizationId,
        entry.CustomerId,
        entry.ApiVersion,
        entry.PayloadBlob?.Path,
        entry.PayloadBlob?.Length,
        entry.PayloadRemovedAt,
        entry.PayloadRemovedReason,
        payload,
        entry.Delivery);

    private static void Add(List<string> filters, string? value, Func<string, string> filter)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            filters.Add(filter(value));
        }
    }

    private static int Clamp(int pageSize) => pageSize <= 0 ? DefaultPageSize : Math.Min(pageSize, MaxPageSize);

    /// <summary>One source's counts in the window and its queues' depths now.</summary>
    private sealed class SourceCounts(WebhookSource source)
    {
        /// <summary>A sink for rows of sources this build does not know; never reported.</summary>
        public static SourceCounts Unknown => new(default);

        public int Ingested { get; set; }

        public int Processed { get; set; }

        public int Failed { get; set; }

        public int ParkedNow { get; set; }

        public SourceStatsView ToView(IReadOnlyDictionary<string, int> depths) => new(
            source.Name,
            StorageNames.QueueFor(source),
            StorageNames.AllShards.Sum(shard => depths.GetValueOrDefault(StorageNames.QueueFor(source, shard))),
            StorageNames.PoisonQueueFor(source),
            StorageNames.AllShards.Sum(shard => depths.GetValueOrDefault(StorageNames.PoisonQueueFor(source, shard))),
            Ingested,
            Processed,
            Failed,
            ParkedNow);
    }
}
