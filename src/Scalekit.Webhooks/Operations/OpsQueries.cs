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
/// each answer composed from the stores into a response type of its own (see <c>OpsResponses.cs</c>).
/// </summary>
public sealed class OpsQueries(
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

    /// <summary>The organization's current state, or null when no event has mentioned it.</summary>
    public async Task<OrganizationView?> OrganizationAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        if (await organizations.GetAsync(organizationId, cancellationToken).ConfigureAwait(false) is not { } organization)
        {
            return null;
        }

        var counts = new OrganizationCountsView(
            await directoryUsers.CountLiveAsync(organizationId, cancellationToken).ConfigureAwait(false),
            await directoryGroups.CountLiveAsync(organizationId, cancellationToken).ConfigureAwait(false),
            await memberships.CountLiveAsync(organizationId, cancellationToken).ConfigureAwait(false));
        var customerId = organization.ExternalId;
        return new OrganizationView(
            organization.Id,
            organization.DisplayName,
            organization.ExternalId,
            organization.RegionCode,
            organization.CreateTime,
            organization.UpdateTime,
            organization.Metadata,
            organization.Features,
            organization.History.DeletedAt,
            counts,
            Applied(organization.History),
            customerId,
            customerId is null ? null : await CustomerBodyAsync(customerId, cancellationToken).ConfigureAwait(false),
            await MetadataPairsAsync(organization, cancellationToken).ConfigureAwait(false),
            FeatureOwners(organization.Features),
            await accounts.FindAccountAsync(organization.Id, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Who owns each feature the organization lists (<c>customer</c>: no writer claims it), as the ownership table says.</summary>
    private Dictionary<string, string> FeatureOwners(System.Text.Json.JsonElement? features)
    {
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        if (features is not { ValueKind: System.Text.Json.JsonValueKind.Array } list)
        {
            return owners;
        }

        foreach (var feature in list.EnumerateArray())
        {
            if (feature.ValueKind == System.Text.Json.JsonValueKind.Object && feature.TryGetProperty("name", out var name) && name.GetString() is { Length: > 0 } text)
            {
                owners[text] = ownership.WriterOf(FactKind.Feature, text).ToString().ToLowerInvariant();
            }
        }

        return owners;
    }

    /// <summary>The organization's metadata keys by writer, as the ownership table assigns them, and the over-budget flag.</summary>
    private async Task<MetadataPairsView> MetadataPairsAsync(OrganizationRecord organization, CancellationToken cancellationToken)
    {
        var keys = organization.Metadata is { ValueKind: System.Text.Json.JsonValueKind.Object } metadata
            ? [.. metadata.EnumerateObject().Select(p => p.Name)]
            : new List<string>();
        var overBudget = await crm.IsOverBudgetAsync(organization.Id, cancellationToken).ConfigureAwait(false)
            || (organization.ExternalId is { } customerId && (await billing.GetAsync(customerId, cancellationToken).ConfigureAwait(false))?.LastAttempt?.OverBudget == true);
        var byWriter = ownership.PairsByWriter(keys).ToDictionary(p => p.Key.ToString().ToLowerInvariant(), p => p.Value, StringComparer.Ordinal);
        return new MetadataPairsView(keys.Count, ScalekitApi.MetadataBudget.MaxPairs, overBudget, byWriter);
    }

    /// <summary>
    /// Organizations whose id, external id or name contains <paramref name="text"/>, in id order; on the first page,
    /// those listing <paramref name="text"/> as a domain come first. Every organization when the text is empty.
    /// </summary>
    public async Task<OpsPage<OrganizationSummaryView>> OrganizationsAsync(string? text, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        var found = new List<OrganizationRecord>();
        if (continuation is null && text is { Length: > 0 } domain && domain.Contains('.', StringComparison.Ordinal) && !domain.Contains(' ', StringComparison.Ordinal))
        {
            foreach (var organizationId in await domains.OrganizationsWithDomainAsync(domain, cancellationToken).ConfigureAwait(false))
            {
                if (await organizations.GetAsync(organizationId, cancellationToken).ConfigureAwait(false) is { } organization)
                {
                    found.Add(organization);
                }
            }
        }

        var (matches, token) = await organizations.SearchAsync(text, Clamp(pageSize), continuation, cancellationToken: cancellationToken).ConfigureAwait(false);
        found.AddRange(matches.Where(match => !found.Any(known => known.Id == match.Id)));
        return new OpsPage<OrganizationSummaryView>([.. found.Select(o => new OrganizationSummaryView(
            o.Id, o.DisplayName, o.ExternalId, o.RegionCode, o.UpdateTime, o.History.DeletedAt))], token);
    }

    public async Task<OpsPage<DirectoryUserView>> DirectoryUsersAsync(string organizationId, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        var page = await directoryUsers.PageAsync(organizationId, Clamp(pageSize), continuation, cancellationToken).ConfigureAwait(false);
        return new OpsPage<DirectoryUserView>([.. page.Items.Select(u => new DirectoryUserView(
            u.Id, u.OrganizationId, u.Email, u.Active, u.Name, u.GivenName, u.FamilyName, u.PreferredUsername, u.EmployeeId, u.Department, u.Title,
            u.Roles, u.Groups, u.History.DeletedAt, Applied(u.History)))], page.ContinuationToken);
    }

    public async Task<OpsPage<MemberView>> MembersAsync(string organizationId, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        var page = await memberships.PageAsync(organizationId, Clamp(pageSize), continuation, cancellationToken).ConfigureAwait(false);
        return new OpsPage<MemberView>([.. page.Items.Select(m => new MemberView(
            m.UserId, m.OrganizationId, m.Email, m.MembershipStatus, m.Roles, m.History.DeletedAt, Applied(m.History)))], page.ContinuationToken);
    }

    /// <summary>One page of an organization's employees as the HR sync last left them.</summary>
    public async Task<OpsPage<EmployeeView>> EmployeesAsync(string organizationId, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        var (page, token) = await employees.ListAsync(organizationId, Clamp(pageSize), continuation, cancellationToken).ConfigureAwait(false);
        return new OpsPage<EmployeeView>([.. page.Select(e => new EmployeeView(
            e.EmployeeId, e.OrganizationId, e.Email, e.ScalekitUserId, e.Status, e.Department, e.Title, e.MembershipRemoved,
            e.LastEvent is { } last ? new AppliedEvent(last.EventId, last.EventType, last.OccurredAt) : null,
            new EmployeeSyncView(e.LastSyncResult, e.LastSyncDetail, e.LastSyncAt)))], token);
    }

    /// <summary>
    /// Customers whose id or linked organization contains <paramref name="text"/>, in id order (every one when it is
    /// empty); text with an <c>@</c> searches the emails their checkouts and deletions recorded instead.
    /// </summary>
    public async Task<OpsPage<CustomerSummaryView>> CustomersAsync(string? text, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        if (text is not null && text.Contains('@', StringComparison.Ordinal))
        {
            var (byEmail, emailToken) = await customers.SearchByEmailAsync(text, Clamp(pageSize), continuation, cancellationToken).ConfigureAwait(false);
            var views = new List<CustomerSummaryView>(byEmail.Count);
            foreach (var customer in byEmail)
            {
                views.Add(Summary(customer.CustomerId, await billing.GetAsync(customer.CustomerId, cancellationToken).ConfigureAwait(false), customer.Email, customer.DeletedOn));
            }

            return new OpsPage<CustomerSummaryView>(views, emailToken);
        }

        var (rows, token) = await billing.SearchAsync(text, Clamp(pageSize), continuation, cancellationToken).ConfigureAwait(false);
        return new OpsPage<CustomerSummaryView>([.. rows.Select(row => Summary(row.CustomerId, row, null, row.State?.DeletedAt))], token);
    }

    private static CustomerSummaryView Summary(string customerId, CustomerBilling? row, string? email, DateTimeOffset? deletedAt) => new(
        customerId,
        row?.LastAttempt?.OrganizationId,
        email,
        row?.State?.Status,
        row?.State?.Plan,
        row?.LastAttempt?.Result,
        row?.LastAttempt?.At,
        deletedAt);

    /// <summary>The customer's subscriptions, entitlements, linked organization and last sync, or null when unknown.</summary>
    public async Task<CustomerView?> CustomerAsync(string customerId, CancellationToken cancellationToken = default)
    {
        var body = await CustomerBodyAsync(customerId, cancellationToken).ConfigureAwait(false);
        return body.Customer is null && body.Subscriptions.Count == 0 && body.Sync is null && body.Seats is null ? null : body;
    }

    /// <summary>Organizations whose metadata has no room for billing's or the CRM sync's keys (the last sync was refused for it).</summary>
    public async Task<OpsPage<OverBudgetView>> OverBudgetOrganizationsAsync(CancellationToken cancellationToken = default)
    {
        var items = new List<OverBudgetView>();
        await foreach (var row in billing.OverBudgetAsync(cancellationToken).ConfigureAwait(false))
        {
            items.Add(new OverBudgetView(
                "billing",
                row.LastAttempt?.OrganizationId,
                row.CustomerId,
                null,
                row.LastAttempt?.At,
                row.LastAttempt?.Reason,
                row.LastAttempt?.Metadata is { } metadata ? [.. metadata.Keys.Order(StringComparer.Ordinal)] : null));
        }

        await foreach (var refusal in crm.OverBudgetAsync(cancellationToken).ConfigureAwait(false))
        {
            items.Add(new OverBudgetView("crm", refusal.OrganizationId, null, refusal.AccountId, refusal.At, refusal.Reason, [.. refusal.OrganizationKeys]));
        }

        return new OpsPage<OverBudgetView>(items, null);
    }

    /// <summary>The billing sync of one customer as the API shows it: versions, the state, the last attempt.</summary>
    public static SyncView? SyncBody(CustomerBilling? row)
    {
        if (row is null)
        {
            return null;
        }

        var last = row.LastAttempt;
        var state = row.State;
        return new SyncView(
            row.DesiredVersion,
            row.SyncedVersion,
            row.SourceEventId,
            state is null ? null : new BillingStateView(state.SubscriptionId, state.Status, state.Plan, state.PeriodEnd, state.Features, state.UpdatedAt, state.DeletedAt),
            row.WaitingSince,
            last is null ? null : new SyncAttemptView(last.At, last.Result, last.Reason, row.LastAttemptVersion, last.OrganizationId, last.OverBudget, last.Metadata, last.Features));
    }

    private async Task<CustomerView> CustomerBodyAsync(string customerId, CancellationToken cancellationToken)
    {
        var customer = await customers.GetAsync(customerId, cancellationToken).ConfigureAwait(false);
        var customerSubscriptions = await subscriptions.ListAsync(customerId, cancellationToken).ConfigureAwait(false);
        var sync = await billing.GetAsync(customerId, cancellationToken).ConfigureAwait(false);
        var organizationId = sync?.LastAttempt?.OrganizationId ?? await links.FindAsync(customerId, cancellationToken).ConfigureAwait(false);
        return new CustomerView(
            customerId,
            organizationId,
            SyncBody(sync),
            customer is null ? null : new CustomerDetailsView(customer.Email, customer.Name, customer.BillingStatus, customer.DeletedOn,
                customer.CheckoutSessionId, customer.CheckoutSubscriptionId, customer.ClientReferenceId, Applied(customer.History)),
            [.. customerSubscriptions.Select(s => new SubscriptionView(s.SubscriptionId, s.Status, s.PriceLookupKey, s.Plan, s.Features, s.CurrentPeriodEnd, s.Created,
                s.CancelAtPeriodEnd, s.TrialEnd, s.History.DeletedAt, Applied(s.History), s.Items))],
            customer?.ActiveEntitlements ?? [],
            organizationId is null ? null : await SeatsAsync(organizationId, cancellationToken).ConfigureAwait(false));
    }

    private async Task<SeatSyncView?> SeatsAsync(string organizationId, CancellationToken cancellationToken) =>
        await seats.LastAsync(organizationId, cancellationToken).ConfigureAwait(false) is { } last
            ? new SeatSyncView(last.At, last.Result.Outcome, last.Result.Detail, last.Result.ItemId, last.Result.From, last.Result.To)
            : null;

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
