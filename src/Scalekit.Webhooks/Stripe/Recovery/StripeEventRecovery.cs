using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Telemetry;

namespace Scalekit.Webhooks.Stripe.Recovery;

/// <summary>
/// Recovers Stripe events whose delivery was missed. <see cref="StartAsync"/> records a run and queues it on
/// <c>stripe-reconcile</c>; <see cref="HandleAsync"/> (the queue trigger) lists Stripe's events of the handled types
/// page by page from the run's cursor and sends each one the ledger does not hold through the ingest path
/// (<see cref="WebhookIngestor.IngestRecoveredAsync"/>), marked recovered; the ledger's dedupe keeps one that is sent
/// twice (a crash between sending and recording the page) from applying twice. A few pages per message, then the run
/// queues its own next message, so no message runs long and a crash loses at most one page's progress.
/// </summary>
public sealed partial class StripeEventRecovery(
    RecoveryRunStore runs,
    StripeListReader events,
    EventLedgerQueries ledger,
    WebhookIngestor ingestor,
    StorageClients clients,
    IOptions<StripeApiOptions> stripeApi,
    IOptions<StripeRecoveryOptions> options,
    TimeProvider time,
    ILogger<StripeEventRecovery> logger)
{
    /// <summary>Stripe keeps events this long; a run may not start further back.</summary>
    public static readonly TimeSpan MaxLookBack = TimeSpan.FromDays(30);

    /// <summary>Failed attempts at one page before the run fails.</summary>
    public const int MaxAttempts = 5;

    /// <summary>Pages one message works before it queues the next.</summary>
    public const int PagesPerMessage = 5;

    /// <summary>How long a consumer holds a run; a crashed consumer's run is taken over after this.</summary>
    public static readonly TimeSpan RunLease = TimeSpan.FromMinutes(2);

    private const string IdProperty = "reconcile_id";

    /// <summary>Why recovery cannot run (Stripe API access missing or broken), naming the setting; null when it can.</summary>
    public string? Unavailable => stripeApi.Value.IsConfigured ? null
        : stripeApi.Value.Problem ?? $"Recovering Stripe events needs Stripe API access: {StripeApiOptions.ApiKeySetting} is not set.";

    /// <summary>
    /// Starts a run over the events created since <paramref name="since"/>: the run, or why not (a refusal naming
    /// <c>since</c>, or Stripe API access missing).
    /// </summary>
    public async Task<RecoveryStart> StartAsync(DateTimeOffset since, string trigger, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        if (since < now - MaxLookBack)
        {
            return RecoveryStart.Refused($"since must be at most {MaxLookBack.TotalDays:0} days back (Stripe keeps events that long).");
        }

        if (since > now)
        {
            return RecoveryStart.Refused("since must not be in the future.");
        }

        if (Unavailable is { } problem)
        {
            return RecoveryStart.NotConfigured(problem);
        }

        var run = RecoveryRun.Start(since, trigger, now);
        await runs.AddAsync(run, cancellationToken).ConfigureAwait(false);
        await SendAsync(run.Id, cancellationToken).ConfigureAwait(false);
        Log.Started(logger, run.Id, since, trigger);
        return RecoveryStart.Started(run);
    }

    /// <summary>The scheduled run (<see cref="StripeRecoveryOptions.ScheduleSetting"/>): the last 3 days; nothing when the schedule is off.</summary>
    public async Task RunScheduledAsync(CancellationToken cancellationToken = default)
    {
        if (options.Value.Schedule is null)
        {
            return;
        }

        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(StripeRecoveryOptions.StartBudget);
        var start = await StartAsync(time.GetUtcNow() - StripeRecoveryOptions.ScheduledWindow, "schedule", budget.Token).ConfigureAwait(false);
        if (start.Run is null)
        {
            Log.ScheduledNotStarted(logger, start.Problem!);
        }
    }

    public Task<RecoveryRun?> GetAsync(string id, CancellationToken cancellationToken = default) => runs.GetAsync(id, cancellationToken);

    /// <summary>Works the run named by one <c>stripe-reconcile</c> message from its cursor.</summary>
    public async Task HandleAsync(BinaryData message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (IdOf(message) is not { } id)
        {
            Log.Unreadable(logger);
            return;
        }

        var (leased, busy) = await runs.TryLeaseAsync(id, RunLease, cancellationToken).ConfigureAwait(false);
        if (busy)
        {
            // Retried by the queue: it then finds the run finished, or resumes it when the holder crashed.
            throw new RecoveryInProgressException(id);
        }

        if (leased is not { } run || RecoveryState.IsFinal(run.State))
        {
            if (leased is not null)
            {
                await runs.SaveAsync(leased, leaseFor: null, CancellationToken.None).ConfigureAwait(false);
            }

            return;
        }

        var started = time.GetTimestamp();
        for (var page = 0; page < PagesPerMessage; page++)
        {
            StripeEventPage listed;
            try
            {
                listed = await events.EventsAsync(run.Since, StripeBillingProcessor.HandledTypes, run.Cursor, cancellationToken).ConfigureAwait(false);
            }
            catch (StripeReadException ex) when (!cancellationToken.IsCancellationRequested)
            {
                var attempts = run.Attempts + 1;
                if (!ex.IsTransient || attempts >= MaxAttempts)
                {
                    await FinishAsync(run, RecoveryState.Failed, ex.IsTransient ? $"gave up after {attempts} attempts: {ex.Message}" : ex.Message, started).ConfigureAwait(false);
                    return;
                }

                await runs.SaveAsync(run with { Attempts = attempts, LastError = ex.Message, UpdatedAt = time.GetUtcNow() }, leaseFor: null, CancellationToken.None).ConfigureAwait(false);
                Log.PageRetry(logger, run.Id, attempts, ex.Message);
                Record("retry", started);
                throw;
            }

            run = await SendPageAsync(run, listed, cancellationToken).ConfigureAwait(false);
            if (!listed.HasMore)
            {
                await FinishAsync(run, RecoveryState.Completed, run.LastError, started).ConfigureAwait(false);
                return;
            }

            run = await runs.SaveAsync(run, RunLease, CancellationToken.None).ConfigureAwait(false);
        }

        // The next pages go in a message of their own; the lease is given back first so it need not wait for it.
        run = await runs.SaveAsync(run, leaseFor: null, CancellationToken.None).ConfigureAwait(false);
        await SendAsync(run.Id, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Sends every event of <paramref name="page"/> the ledger does not hold; the run with the page counted and its cursor moved.</summary>
    private async Task<RecoveryRun> SendPageAsync(RecoveryRun run, StripeEventPage page, CancellationToken cancellationToken)
    {
        int known = 0, queued = 0, failed = 0;
        var lastError = run.LastError;
        foreach (var listed in page.Events)
        {
            if (await ledger.FindAsync(StripeSource.Id, listed.Id, cancellationToken).ConfigureAwait(false) is not null)
            {
                known++;
                continue;
            }

            var result = await ingestor.IngestRecoveredAsync(StripeSource.Id, listed.Json, cancellationToken).ConfigureAwait(false);
            switch (result.Outcome)
            {
                case IngestOutcome.Accepted:
                    queued++;
                    break;
                case IngestOutcome.Rejected:
                    // Refused as its delivery would have been (e.g. STRIPE_API_VERSION_MISMATCH=reject): counted, not retried.
                    failed++;
                    lastError = $"event {listed.Id}: {result.Detail}";
                    Log.EventRefused(logger, run.Id, listed.Id, result.Detail);
                    break;
                default:
                    // Not stored: the page is worked again by the queue's retry; events sent meanwhile are deduplicated.
                    throw new InvalidOperationException($"Recovery run {run.Id} could not store event {listed.Id}: {result.Detail}");
            }
        }

        Log.PageWorked(logger, run.Id, page.Events.Count, known, queued, failed);
        return run with
        {
            State = RecoveryState.Running,
            Cursor = page.LastId ?? run.Cursor,
            Pages = run.Pages + 1,
            Listed = run.Listed + page.Events.Count,
            AlreadyKnown = run.AlreadyKnown + known,
            Queued = run.Queued + queued,
            Failed = run.Failed + failed,
            Attempts = 0,
            LastError = lastError,
            UpdatedAt = time.GetUtcNow(),
        };
    }

    private async Task FinishAsync(RecoveryRun run, string state, string? error, long started)
    {
        var now = time.GetUtcNow();
        run = await runs.SaveAsync(run with { State = state, LastError = error, UpdatedAt = now, CompletedAt = now }, leaseFor: null, CancellationToken.None).ConfigureAwait(false);
        if (state == RecoveryState.Failed)
        {
            Log.Failed(logger, run.Id, error ?? string.Empty);
        }
        else
        {
            Log.Completed(logger, run.Id, run.Listed, run.AlreadyKnown, run.Queued, run.Failed);
        }

        Record(state == RecoveryState.Completed ? "success" : "failure", started);
    }

    private async Task SendAsync(string id, CancellationToken cancellationToken) =>
        await clients.Queue(StorageNames.StripeRecoveryQueue).SendMessageAsync(
            BinaryData.FromObjectAsJson(new { reconcile_id = id }), cancellationToken: cancellationToken).ConfigureAwait(false);

    private void Record(string outcome, long started) =>
        IntegrationTelemetry.Record("billing", "recovery", outcome, time.GetElapsedTime(started).TotalMilliseconds, null);

    private static string? IdOf(BinaryData message)
    {
        try
        {
            using var document = JsonDocument.Parse(message.ToMemory());
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(IdProperty, out var id) && id.ValueKind == JsonValueKind.String
                ? id.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(5161, LogLevel.Information, "Stripe event recovery {RunId} started over events since {Since} ({Trigger})")]
        public static partial void Started(ILogger logger, string runId, DateTimeOffset since, string trigger);

        [LoggerMessage(5162, LogLevel.Information, "Stripe event recovery {RunId}: a page of {Listed} events, {Known} already known, {Queued} queued, {Failed} refused")]
        public static partial void PageWorked(ILogger logger, string runId, int listed, int known, int queued, int failed);

        [LoggerMessage(5163, LogLevel.Warning, "Stripe event recovery {RunId}: listing failed (attempt {Attempt}); the queue retries it: {Reason}")]
        public static partial void PageRetry(ILogger logger, string runId, int attempt, string reason);

        [LoggerMessage(5164, LogLevel.Error, "Stripe event recovery {RunId} failed: {Reason}")]
        public static partial void Failed(ILogger logger, string runId, string reason);

        [LoggerMessage(5165, LogLevel.Information, "Stripe event recovery {RunId} completed: {Listed} listed, {Known} already known, {Queued} queued, {Failed} refused")]
        public static partial void Completed(ILogger logger, string runId, int listed, int known, int queued, int failed);

        [LoggerMessage(5166, LogLevel.Warning, "Stripe event recovery {RunId}: event {EventId} was refused: {Reason}")]
        public static partial void EventRefused(ILogger logger, string runId, string eventId, string reason);

        [LoggerMessage(5167, LogLevel.Warning, "A stripe-reconcile message names no reconcile_id; dropped")]
        public static partial void Unreadable(ILogger logger);

        [LoggerMessage(5168, LogLevel.Warning, "The scheduled Stripe event recovery did not start: {Reason}")]
        public static partial void ScheduledNotStarted(ILogger logger, string reason);
    }
}

/// <summary>A run that started, or why not: <see cref="Problem"/> with <see cref="IsConfigured"/> false when Stripe API access is missing.</summary>
public sealed record RecoveryStart(RecoveryRun? Run, string? Problem, bool IsConfigured)
{
    public static RecoveryStart Started(RecoveryRun run) => new(run, null, true);

    public static RecoveryStart Refused(string problem) => new(null, problem, true);

    public static RecoveryStart NotConfigured(string problem) => new(null, problem, false);
}

/// <summary>Another consumer is working this recovery run; the queue retries the message.</summary>
public sealed class RecoveryInProgressException(string id) : Exception($"Recovery run {id} is being worked by another consumer; this message will be retried.");
