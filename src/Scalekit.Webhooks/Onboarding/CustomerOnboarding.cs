using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Telemetry;

namespace Scalekit.Webhooks.Onboarding;

/// <summary>
/// One-call customer onboarding across Scalekit, Salesforce and Stripe. <see cref="StartAsync"/> records the request
/// and queues it on <c>onboarding-steps</c>; <see cref="HandleAsync"/> (the queue trigger) runs the
/// <see cref="OnboardingSteps"/> in order, recording each one as it finishes, so a retry resumes at the first
/// unfinished step. A transient failure (5xx, 429, timeout, an unreadable answer) is recorded on the step and thrown
/// for the queue to retry; a refusal that no retry can change (a 4xx, a limit) fails the onboarding with the reason.
/// </summary>
public sealed partial class CustomerOnboarding(
    OnboardingStore store,
    StorageClients clients,
    OnboardingSteps steps,
    IOptions<OnboardingOptions> onboardingOptions,
    TimeProvider time,
    ILogger<CustomerOnboarding> logger)
{
    /// <summary>Why onboarding is off because of its settings (naming the setting); null when it can start.</summary>
    public string? Unavailable => onboardingOptions.Value.Problem;

    /// <summary>How long one run may hold an onboarding before another consumer may take over (a crashed run's lease lapses).</summary>
    public static readonly TimeSpan RunLease = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Starts the onboarding of <paramref name="request"/>'s Stripe customer, or returns the one it already has. An
    /// existing onboarding that has not completed is queued again: a failed one resumes at its failed step, and one
    /// whose message was lost continues. Steps never run twice at once (<see cref="OnboardingStore.TryLeaseAsync"/>).
    /// A customer that belongs to an organization this onboarding did not create is refused
    /// (<see cref="OnboardingStart.Refused"/>) before anything is recorded or written.
    /// </summary>
    public async Task<OnboardingStart> StartAsync(OnboardingRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var existing = await store.GetAsync(OnboardingRecord.IdFor(request.StripeCustomerId), cancellationToken).ConfigureAwait(false);
        if (existing?.Status != OnboardingStatus.Completed
            && await steps.CheckOwnershipAsync(request, existing, cancellationToken).ConfigureAwait(false) is { Refusal: { } refusal } refused)
        {
            Log.Refused(logger, OnboardingRecord.IdFor(request.StripeCustomerId), refusal.Code());
            return new OnboardingStart(existing ?? OnboardingRecord.Start(request, time.GetUtcNow()), Created: false, Queued: false, refused);
        }

        var (record, created) = await store.AddOrGetAsync(OnboardingRecord.Start(request, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        if (record.Status == OnboardingStatus.Completed)
        {
            return new OnboardingStart(record, created, Queued: false);
        }

        if (record.Status == OnboardingStatus.Failed)
        {
            var now = time.GetUtcNow();
            record = record with
            {
                Status = OnboardingStatus.Running,
                Reason = null,
                UpdatedAt = now,
                Steps = [.. record.Steps.Select(s => s.Status == OnboardingStatus.Failed ? s with { Status = OnboardingStatus.Pending, Attempts = 0, UpdatedAt = now } : s)],
            };
            await store.SaveAsync(record, cancellationToken).ConfigureAwait(false);
            Log.Resumed(logger, record.Id);
        }

        await clients.Queue(StorageNames.OnboardingQueue)
            .SendMessageAsync(BinaryData.FromObjectAsJson(new { onboarding_id = record.Id }), cancellationToken: cancellationToken).ConfigureAwait(false);
        return new OnboardingStart(record, created, Queued: true);
    }

    public Task<OnboardingRecord?> GetAsync(string id, CancellationToken cancellationToken = default) => store.GetAsync(id, cancellationToken);

    /// <summary>One page of onboardings, only those in <paramref name="status"/> when it is given.</summary>
    public Task<(IReadOnlyList<OnboardingRecord> Items, string? Token)> ListAsync(string? status, int pageSize, string? continuation, CancellationToken cancellationToken = default) =>
        store.ListAsync(status, pageSize, continuation, cancellationToken);

    /// <summary>Runs the onboarding named by one <c>onboarding-steps</c> message from its first unfinished step.</summary>
    public async Task HandleAsync(BinaryData message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (IdOf(message) is not { } id)
        {
            Log.Unreadable(logger);
            return;
        }

        // Another consumer is running it: retried by the queue, this message then finds it finished (or resumes it
        // when that run crashed and its lease lapsed).
        var lease = await RowLease.AcquireAsync(token => store.TryLeaseAsync(id, RunLease, token), LeaseWait.None, $"Onboarding {id}", cancellationToken).ConfigureAwait(false);

        var started = time.GetTimestamp();
        try
        {
            if (await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { Status: OnboardingStatus.Running } record)
            {
                return;
            }

            foreach (var step in Enum.GetValues<OnboardingStep>())
            {
                var state = record[step];
                if (state.IsFinished)
                {
                    continue;
                }

                OnboardingStepResult result;
                try
                {
                    result = await steps.RunAsync(step, record, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    var (permanent, reason) = OnboardingSteps.Classify(ex);
                    var attempts = state.Attempts + 1;
                    if (permanent || attempts >= onboardingOptions.Value.MaxAttempts)
                    {
                        await FailAsync(record, step, attempts, reason, permanent ? reason : $"gave up after {attempts} attempts: {reason}").ConfigureAwait(false);
                        Record("failure", started);
                        return;
                    }

                    await store.SaveAsync(record.With(state with { Status = OnboardingStatus.Pending, Attempts = attempts, LastError = Bounded(reason) }, time.GetUtcNow()), CancellationToken.None).ConfigureAwait(false);
                    Log.StepRetry(logger, ex, id, step.Name(), attempts);
                    Record("retry", started);
                    throw;
                }

                if (result.Refusal is { } refusal)
                {
                    // Refused: no retry can change it, and nothing was written for this step.
                    var why = $"{refusal.Code()}: {result.Detail}";
                    await FailAsync(record, step, state.Attempts + 1, why, why).ConfigureAwait(false);
                    Record("failure", started);
                    return;
                }

                record = record.With(state with { Status = result.Status, Detail = Bounded(result.Detail), Attempts = state.Attempts + 1, LastError = null }, time.GetUtcNow()) with
                {
                    OrganizationId = result.OrganizationId ?? record.OrganizationId,
                    AdminUserId = result.AdminUserId ?? record.AdminUserId,
                };
                await store.SaveAsync(record, CancellationToken.None).ConfigureAwait(false);
                Log.StepFinished(logger, id, step.Name(), result.Status);
            }

            var finished = time.GetUtcNow();
            await store.SaveAsync(record with { Status = OnboardingStatus.Completed, UpdatedAt = finished, CompletedAt = finished }, CancellationToken.None).ConfigureAwait(false);
            Log.Completed(logger, id, record.OrganizationId);
            Record("success", started);
        }
        finally
        {
            await store.ReleaseAsync(lease, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Fails <paramref name="step"/> and with it the onboarding: no retry can change it, or the attempts ran out.</summary>
    private async Task FailAsync(OnboardingRecord record, OnboardingStep step, int attempts, string reason, string why)
    {
        var failed = record.With(record[step] with { Status = OnboardingStatus.Failed, Attempts = attempts, LastError = Bounded(reason) }, time.GetUtcNow())
            with { Status = OnboardingStatus.Failed, Reason = Bounded($"{step.Name()}: {why}") };
        await store.SaveAsync(failed, CancellationToken.None).ConfigureAwait(false);
        Log.Failed(logger, failed.Id, step.Name(), why);
    }

    /// <summary>One run's outcome (success, failure, retry) and duration in the integration metrics.</summary>
    private void Record(string outcome, long started) =>
        IntegrationTelemetry.Record("onboarding", "run", outcome, time.GetElapsedTime(started).TotalMilliseconds, null);

    private static string? IdOf(BinaryData message)
    {
        try
        {
            using var document = JsonDocument.Parse(message.ToMemory());
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("onboarding_id", out var id) && id.ValueKind == JsonValueKind.String
                ? id.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Bounded(string text) => text.Length <= 1000 ? text : text[..1000] + "…";


    private static partial class Log
    {
        [LoggerMessage(9501, LogLevel.Information, "Onboarding {OnboardingId}: step {Step} {Status}")]
        public static partial void StepFinished(ILogger logger, string onboardingId, string step, string status);

        [LoggerMessage(9502, LogLevel.Warning, "Onboarding {OnboardingId}: step {Step} failed (attempt {Attempt}); the queue retries it")]
        public static partial void StepRetry(ILogger logger, Exception exception, string onboardingId, string step, int attempt);

        [LoggerMessage(9503, LogLevel.Error, "Onboarding {OnboardingId} failed at step {Step}: {Reason}")]
        public static partial void Failed(ILogger logger, string onboardingId, string step, string reason);

        [LoggerMessage(9504, LogLevel.Information, "Onboarding {OnboardingId} completed (organization {OrganizationId})")]
        public static partial void Completed(ILogger logger, string onboardingId, string? organizationId);

        [LoggerMessage(9506, LogLevel.Warning, "An onboarding-steps message names no onboarding_id; dropped")]
        public static partial void Unreadable(ILogger logger);

        [LoggerMessage(9508, LogLevel.Warning, "Onboarding {OnboardingId} was refused before it started: {Refusal}")]
        public static partial void Refused(ILogger logger, string onboardingId, string refusal);

        [LoggerMessage(9507, LogLevel.Information, "Onboarding {OnboardingId} failed earlier and was requested again; it resumes at its failed step")]
        public static partial void Resumed(ILogger logger, string onboardingId);
    }
}

/// <summary>
/// The onboarding as it stands after a start request: whether this request created it and whether it was queued, or
/// why it was refused (then nothing was recorded, queued or written).
/// </summary>
public sealed record OnboardingStart(OnboardingRecord Record, bool Created, bool Queued, OnboardingStepResult? Refused = null);
