using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Scalekit.Webhooks.Hosting.Local;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Testing.Reliability;

/// <summary>How hard a soak pushes and which faults it injects.</summary>
public sealed record SoakOptions
{
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// When set, exactly this many events are sent (paced at <see cref="EventsPerSecond"/>, so about Duration long)
    /// however slow the machine is; otherwise as many as fit in <see cref="Duration"/>.
    /// </summary>
    public int? Events { get; init; }

    /// <summary>Deliveries per second the senders aim for.</summary>
    public int EventsPerSecond { get; init; } = 40;

    public double DuplicateRate { get; init; } = 0.10;

    public double HandlerFailureRate { get; init; } = 0.05;

    public double ScalekitServerErrorRate { get; init; } = 0.05;

    public double ScalekitThrottleRate { get; init; } = 0.05;

    public double ScalekitSlowRate { get; init; } = 0.02;

    public bool RestartStorage { get; init; } = true;

    public bool KillHost { get; init; } = true;

    /// <summary>How long to wait for everything acknowledged to reach a final state.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromMinutes(3);

    public int Seed { get; init; } = 20261124;
}

/// <summary>The audit at the end of a soak.</summary>
/// <remarks>
/// <see cref="DuplicatedEffects"/> counts billing events whose metadata PATCH changed the organization's map more than
/// once (keyed by the event id the sync sends as Idempotency-Key); <see cref="RepeatedWrites"/> counts PATCHes that
/// sent a map the organization already held (an HTTP retry after a timeout, a write repeated after a crash), which
/// change nothing. <see cref="OrderingViolations"/> counts read-model rows not on their newest event plus
/// organizations whose Scalekit metadata is not their customer's newest state.
/// </remarks>
public sealed record SoakReport(
    int Sent, int Acknowledged, int DuplicatesSent, int SenderRetries, int Processed, int StaleSkipped, int Parked, int Retried,
    int Lost, int DuplicatedEffects, int RepeatedWrites, int OrderingViolations, int ScalekitFaults, bool Drained, TimeSpan Elapsed, IReadOnlyList<string> Faults)
{
    public bool Passed => Drained && Lost == 0 && DuplicatedEffects == 0 && OrderingViolations == 0;

    /// <summary>For each duplicated effect: the event, its customer and that organization's metadata PATCHes in the order they were applied.</summary>
    public IReadOnlyList<string> DuplicatedEffectDetails { get; init; } = [];

    public string Describe() => string.Join(Environment.NewLine, DescribeLines().Concat(DuplicatedEffectDetails));

    private string[] DescribeLines() =>
    [
        $"soak: {Elapsed.TotalSeconds:F0} s, {Sent} deliveries sent ({DuplicatesSent} duplicates, {SenderRetries} sender retries), {Acknowledged} distinct events acknowledged",
        $"faults: {string.Join("; ", Faults)}; Scalekit stand-in faults injected: {ScalekitFaults}",
        $"audit: processed {Processed}, stale-skipped {StaleSkipped}, parked {Parked} (events that needed more than one attempt: {Retried}), lost {Lost}, duplicated effects {DuplicatedEffects} (repeated writes that changed nothing: {RepeatedWrites}), ordering violations {OrderingViolations}, drained {Drained}",
        Passed ? "PASS: 0 lost, 0 duplicated effects, 0 ordering violations" : "FAIL",
    ];
}

/// <summary>
/// Mixed Scalekit and Stripe traffic with duplicates and reordering, against the local host as a separate process,
/// while handler exceptions, Scalekit 500/429/slow answers, an Azurite restart and a host kill are injected.
/// Loopback only and bounded in time. The audit checks every acknowledged event reached a final state once in effect.
/// </summary>
public sealed class SoakRun(SoakOptions options)
{
    private const int Organizations = 20;
    private const int DirectoryUsers = 100;
    private readonly ConcurrentDictionary<string, Sent> _acknowledged = new(StringComparer.Ordinal);
    private readonly List<string> _faults = [];
    private int _sent;
    private int _duplicates;
    private int _retries;
    private volatile Uri? _host;

    public async Task<SoakReport> RunAsync(CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        await using var storage = await Azurite.StartNewAsync();
        var clients = StorageClients.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection([new("AzureWebJobsStorage", storage.ConnectionString)]).Build(), StorageRetry.Default);
        await new StorageProvisioner(clients).EnsureCreatedAsync(cancellationToken);
        using var standIn = new ScalekitStandIn(options.ScalekitServerErrorRate, options.ScalekitThrottleRate, options.ScalekitSlowRate, TimeSpan.FromMilliseconds(1500), options.Seed);
        for (var i = 0; i < Organizations; i++)
        {
            standIn.AddOrganization($"org_soak_{i:D2}", $"cus_soak_{i:D2}");
        }

        var scalekitSecret = WebhookSigner.NewScalekitSecret();
        var stripeSecret = WebhookSigner.NewStripeSecret();
        var settings = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = storage.ConnectionString,
            ["SCALEKIT_WEBHOOK_SECRET"] = scalekitSecret,
            ["STRIPE_WEBHOOK_SECRET"] = stripeSecret,
            ["SCALEKIT_ENVIRONMENT_URL"] = standIn.Url,
            ["SCALEKIT_CLIENT_ID"] = "skc_soak",
            ["SCALEKIT_CLIENT_SECRET"] = "soak-secret",
            ["SCALEKIT_RETRY_BASE_DELAY_MS"] = "50",
            ["SCALEKIT_ATTEMPT_TIMEOUT_MS"] = "1000",
            ["SCALEKIT_CIRCUIT_BREAK_SECONDS"] = "1",
            ["BILLING_PLAN_MAP"] = "{\"pro_monthly\":{\"plan\":\"pro\",\"features\":[\"sso\"]}}",
            ["BILLING_SYNC_LEASE_SECONDS"] = "15",
            // The stand-in follows last_billing_update to see which version landed.
            ["BILLING_METADATA_MODE"] = "keys",
            [FaultInjection.Setting] = options.HandlerFailureRate.ToString(CultureInfo.InvariantCulture),
            ["DEADLETTER_REPLAY_SCHEDULE"] = "*/5 * * * * *",
            ["DEADLETTER_REPLAY_BASE_DELAY_SECONDS"] = "1",
            ["DEADLETTER_REPLAY_LEASE_SECONDS"] = "5",
            ["LOCAL_QUEUE_PROCESSING_LEASE_SECONDS"] = "5",
            ["LEDGER_CLAIM_LEASE_SECONDS"] = "10",
            ["AzureFunctionsJobHost__extensions__queues__visibilityTimeout"] = "00:00:01",
            ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.250",
        };

        var host = await LocalHostProcess.StartAsync(settings);
        _host = host.BaseAddress;
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
            var traffic = SendTrafficAsync(http, scalekitSecret, stripeSecret, cancellationToken);
            if (options.RestartStorage)
            {
                await Task.Delay(options.Duration * 0.35, cancellationToken);
                await storage.StopAsync();
                _faults.Add("Azurite stopped for 3 s");
                await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
                await storage.StartAsync();
            }

            if (options.KillHost)
            {
                await Task.Delay(options.Duration * (options.RestartStorage ? 0.30 : 0.65), cancellationToken);
                await host.KillAsync();
                _faults.Add("local host killed (SIGKILL) and restarted");
                await host.DisposeAsync();
                host = await LocalHostProcess.StartAsync(settings);
                _host = host.BaseAddress;
            }

            await traffic;
            var drained = await DrainAsync(clients, cancellationToken);
            return await AuditAsync(clients, standIn, drained, clock.Elapsed, cancellationToken);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    private async Task SendTrafficAsync(HttpClient http, string scalekitSecret, string stripeSecret, CancellationToken cancellationToken)
    {
        var random = new Random(options.Seed);
        var start = TimeProvider.System.GetUtcNow();
        var origin = start.AddDays(-1);
        var sequence = 0;
        var clock = Stopwatch.StartNew();
        var batchSize = Math.Max(1, options.EventsPerSecond / 4);
        while (options.Events is { } total ? sequence < total : clock.Elapsed < options.Duration)
        {
            var batch = new List<Sent>();
            for (var i = 0; i < batchSize && sequence < (options.Events ?? int.MaxValue); i++)
            {
                batch.Add(NextEvent(random, origin, sequence++));
            }

            // Reordering: each batch goes out shuffled, so later events often arrive before earlier ones.
            var deliveries = batch.OrderBy(_ => random.Next()).SelectMany(e => random.NextDouble() < options.DuplicateRate ? new[] { e, e } : new[] { e }).ToList();
            Interlocked.Add(ref _duplicates, deliveries.Count - batch.Count);
            await Task.WhenAll(deliveries.Select(e => DeliverAsync(http, e, e.Source == "scalekit" ? scalekitSecret : stripeSecret, cancellationToken)));
            var due = TimeSpan.FromSeconds(sequence / (double)options.EventsPerSecond);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed, cancellationToken);
            }
        }
    }

    private Sent NextEvent(Random random, DateTimeOffset origin, int sequence)
    {
        var eventId = $"evt_soak_{sequence:D6}";
        var kind = random.Next(3);
        var org = random.Next(Organizations);
        if (kind == 0)
        {
            var at = origin.AddSeconds(sequence);
            var body = StripeSamples.Create("customer.subscription.updated", new SampleOptions { OccurredAt = at, EventId = eventId, CustomerId = $"cus_soak_{org:D2}" });
            return new Sent("stripe", eventId, StateTables.Subscriptions, $"cus_soak_{org:D2}", "sub_1QxSampleSubscript01", at, body.ToJsonString());
        }

        var occurred = origin.AddMilliseconds(sequence * 10);
        if (kind == 1)
        {
            var sample = ScalekitSamples.Create("organization.updated", new SampleOptions { OccurredAt = occurred, EventId = eventId, OrganizationId = $"org_soak_{org:D2}", ExternalId = $"cus_soak_{org:D2}" });
            sample["data"]!["display_name"] = $"Soak org {org} v{sequence}";
            return new Sent("scalekit", eventId, StateTables.Organizations, $"org_soak_{org:D2}", $"org_soak_{org:D2}", occurred, sample.ToJsonString());
        }

        var user = random.Next(DirectoryUsers);
        var userSample = ScalekitSamples.Create("organization.directory.user_updated", new SampleOptions { OccurredAt = occurred, EventId = eventId, OrganizationId = $"org_soak_{org:D2}", DirectoryUserId = $"diruser_soak_{user:D3}" });
        return new Sent("scalekit", eventId, StateTables.DirectoryUsers, $"org_soak_{org:D2}", $"diruser_soak_{user:D3}", occurred, userSample.ToJsonString());
    }

    /// <summary>Sends like a webhook sender does: retries until it gets a 2xx (a fresh signature each time).</summary>
    private async Task DeliverAsync(HttpClient http, Sent sent, string secret, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(sent.Body);
        var webhookId = "msg_" + sent.EventId;
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            Interlocked.Increment(ref _sent);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_host!, "/api/webhooks/" + sent.Source)) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                var now = TimeProvider.System.GetUtcNow();
                var headers = sent.Source == "scalekit" ? WebhookSigner.SignScalekit(body, secret, webhookId, now) : [WebhookSigner.SignStripe(body, secret, now)];
                foreach (var (name, value) in headers)
                {
                    request.Headers.TryAddWithoutValidation(name, value);
                }

                using var response = await http.SendAsync(request, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    _acknowledged[sent.Source + "/" + sent.EventId] = sent;
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // The host is down or restarting: retry, as Scalekit and Stripe do.
            }

            Interlocked.Increment(ref _retries);
            await Task.Delay(250, cancellationToken);
        }
    }

    private async Task<bool> DrainAsync(StorageClients clients, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < options.DrainTimeout)
        {
            var pending = 0;
            foreach (var queue in StorageNames.AllQueues)
            {
                pending += (await clients.Queue(queue).GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
            }

            if (pending == 0 && (await FinalOrParkedAsync(clients, cancellationToken)).Count >= _acknowledged.Count)
            {
                return true;
            }

            await Task.Delay(500, cancellationToken);
        }

        return false;
    }

    private static async Task<Dictionary<string, ProcessingStatus>> FinalOrParkedAsync(StorageClients clients, CancellationToken cancellationToken) =>
        (await LedgerAsync(clients, cancellationToken)).Statuses;

    /// <summary>Final statuses by event (parked ones included) and how many events took more than one attempt.</summary>
    private static async Task<(Dictionary<string, ProcessingStatus> Statuses, int Retried)> LedgerAsync(StorageClients clients, CancellationToken cancellationToken)
    {
        var statuses = new Dictionary<string, ProcessingStatus>(StringComparer.Ordinal);
        var retried = 0;
        await foreach (var entry in new EventLedgerQueries(clients).ListAsync(new LedgerFilter(), cancellationToken))
        {
            retried += entry.Attempts > 1 ? 1 : 0;
            if (entry.Status is { } status && status.IsFinal())
            {
                statuses[entry.Source + "/" + entry.EventId] = status;
            }
        }

        await foreach (var row in clients.Tables.GetTableClient(StorageNames.DeadLetterTable).QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            statuses.TryAdd(row.PartitionKey + "/" + row.RowKey, ProcessingStatus.Parked);
        }

        return (statuses, retried);
    }

    private async Task<SoakReport> AuditAsync(StorageClients clients, ScalekitStandIn standIn, bool drained, TimeSpan elapsed, CancellationToken cancellationToken)
    {
        var (statuses, retried) = await LedgerAsync(clients, cancellationToken);
        var lost = _acknowledged.Keys.Count(key => !statuses.ContainsKey(key));
        var duplicated = standIn.MetadataChanges.Where(p => p.Value > 1).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
        var duplicatedEffects = duplicated.Count;
        var details = duplicated.SelectMany(key => new[] { $"duplicated effect: customer|event {key}, its organization's metadata PATCHes:" }
            .Concat(standIn.MetadataHistoryOf(key.Split('|')[0]).Select(line => "  " + line))).ToList();
        var repeatedWrites = standIn.MetadataPatches.Sum(p => p.Value - standIn.MetadataChanges.GetValueOrDefault(p.Key));

        // Ordering: every entity must end on the newest acknowledged event that touched it (unless that one was parked).
        var violations = 0;
        foreach (var entity in _acknowledged.Values.GroupBy(s => (s.Table, s.PartitionKey, s.RowKey)))
        {
            var newest = entity.Where(s => statuses.GetValueOrDefault(s.Source + "/" + s.EventId) != ProcessingStatus.Parked)
                .OrderBy(s => s.OccurredAt).ThenBy(s => s.EventId, StringComparer.Ordinal).LastOrDefault();
            if (newest is null)
            {
                continue;
            }

            var row = await clients.Tables.GetTableClient(entity.Key.Table).GetEntityIfExistsAsync<TableEntity>(entity.Key.PartitionKey, entity.Key.RowKey, cancellationToken: cancellationToken);
            if (!row.HasValue || row.Value!.GetString(StateStore.LastEventId) != newest.EventId)
            {
                violations++;
            }
        }

        // Newest wins in Scalekit too: each organization ends on its customer's newest billing event (all are 'active', 'pro').
        foreach (var customer in _acknowledged.Values.Where(s => s.Source == "stripe" && statuses.GetValueOrDefault(s.Source + "/" + s.EventId) != ProcessingStatus.Parked).GroupBy(s => s.PartitionKey))
        {
            var newest = customer.Max(s => s.OccurredAt).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            var metadata = standIn.MetadataOf(customer.Key);
            if (metadata is null || metadata.GetValueOrDefault("last_billing_update") != newest || metadata.GetValueOrDefault("subscription_status") != "active" || metadata.GetValueOrDefault("tier") != "gold")
            {
                violations++;
            }
        }

        return new SoakReport(_sent, _acknowledged.Count, _duplicates, _retries,
            statuses.Values.Count(s => s == ProcessingStatus.Processed || s == ProcessingStatus.NoLinkedOrganization),
            statuses.Values.Count(s => s == ProcessingStatus.StaleSkipped),
            statuses.Values.Count(s => s == ProcessingStatus.Parked), retried,
            lost, duplicatedEffects, repeatedWrites, violations, standIn.FaultsInjected, drained, elapsed, _faults)
        {
            DuplicatedEffectDetails = details,
        };
    }

    private sealed record Sent(string Source, string EventId, string Table, string PartitionKey, string RowKey, DateTimeOffset OccurredAt, string Body);
}
