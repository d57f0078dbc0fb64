using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Scalekit.Webhooks.Operations;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Privacy;

/// <summary>
/// Erasure as a job: <see cref="StartAsync"/> records it and queues its id on <c>erasure-jobs</c> (the person is never
/// in a message, so neither a retry nor a poison queue nor a dead letter holds them); <see cref="HandleAsync"/> (the
/// queue trigger) runs <see cref="PersonalDataEraser"/>'s steps in order, recording each store as it finishes, so a
/// redelivery after a crash or a timeout continues with the first unfinished one. The audit trail gets an entry when a
/// job starts and when it ends; the subjects leave the job's row when it completes.
/// </summary>
public sealed partial class ErasureJobs(
    ErasureJobStore store,
    PersonalDataEraser eraser,
    StorageClients clients,
    AuditTrail audit,
    TimeProvider time,
    ILogger<ErasureJobs> logger)
{
    /// <summary>The first step: the person's other ids are found through the subject asked for.</summary>
    public const string SubjectsStep = "subjects";

    /// <summary>Said in place of every store that is never searched, and why.</summary>
    public static IReadOnlyList<ErasureGap> NeverSearched { get; } =
    [
        new("logs", "not searched: personal data is never written to logs (names, emails and payloads stay out of every log message)"),
    ];

    /// <summary>Records a job for <paramref name="subject"/> and queues it; the caller's address and key fingerprint go into its audit entries.</summary>
    public async Task<ErasureJob> StartAsync(ErasureSubjectKind kind, string subject, string callerAddress, string keyFingerprint, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        var job = new ErasureJob("era_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), kind, ErasureJobState.Queued, [new ErasureSubject(kind, subject)],
            time.GetUtcNow(), callerAddress, keyFingerprint);
        await store.AddAsync(job, cancellationToken).ConfigureAwait(false);
        await clients.Queue(StorageNames.ErasureQueue).SendMessageAsync(Message(job.Id), cancellationToken: cancellationToken).ConfigureAwait(false);
        return job;
    }

    public Task<ErasureJob?> FindAsync(string id, CancellationToken cancellationToken = default) => store.FindAsync(id, cancellationToken);

    /// <summary>The message that runs job <paramref name="id"/>.</summary>
    public static BinaryData Message(string id) => BinaryData.FromObjectAsJson(new { job_id = id });

    /// <summary>Runs the job one <c>erasure-jobs</c> message names, from its first unfinished step.</summary>
    public async Task HandleAsync(BinaryData message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (IdOf(message) is not { } id || await store.FindAsync(id, cancellationToken).ConfigureAwait(false) is not { } job)
        {
            Log.Unknown(logger);
            return;
        }

        if (job.State == ErasureJobState.Completed)
        {
            return;
        }

        var target = $"job {id} (by {job.Kind.Name()})";
        if (job.State == ErasureJobState.Queued)
        {
            await audit.RecordAsync("erasure-started", target, "running", job.CallerAddress, job.KeyFingerprint, cancellationToken).ConfigureAwait(false);
            job = job with { State = ErasureJobState.Running, StartedAt = time.GetUtcNow() };
        }

        job = job with { Attempts = job.Attempts + 1 };
        await store.SaveAsync(job, cancellationToken).ConfigureAwait(false);
        try
        {
            if (!job.DoneSteps.Contains(SubjectsStep))
            {
                // Before anything is erased: erasing a user row by email loses the user id the sessions are found by.
                job = job with { Subjects = await eraser.FindSubjectsAsync(job.Subjects[0], cancellationToken).ConfigureAwait(false), DoneSteps = [SubjectsStep] };
                await store.SaveAsync(job, cancellationToken).ConfigureAwait(false);
            }

            foreach (var step in eraser.Steps.Where(step => !job.DoneSteps.Contains(step)).ToList())
            {
                var result = await eraser.RunStepAsync(step, job.Subjects, id, cancellationToken).ConfigureAwait(false);
                var counts = new Dictionary<string, int>(job.Counts);
                foreach (var (name, count) in result.Counts)
                {
                    counts[name] = counts.GetValueOrDefault(name) + count;
                }

                job = job with { DoneSteps = [.. job.DoneSteps, step], Counts = counts, NotSearched = [.. job.NotSearched, .. result.NotSearched] };
                await store.SaveAsync(job, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await store.SaveAsync(job with { LastError = ex.GetType().Name }, CancellationToken.None).ConfigureAwait(false);
            Log.Failed(logger, id, ex.GetType().Name);
            throw;
        }

        job = job with { State = ErasureJobState.Completed, CompletedAt = time.GetUtcNow(), Subjects = [], NotSearched = [.. job.NotSearched, .. NeverSearched], LastError = null };
        await store.SaveAsync(job, cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync("erasure-finished", target, JsonSerializer.Serialize(job.Counts), job.CallerAddress, job.KeyFingerprint, CancellationToken.None).ConfigureAwait(false);
        Log.Completed(logger, id, job.Counts.Values.Sum());
    }

    private static string? IdOf(BinaryData message)
    {
        try
        {
            using var document = JsonDocument.Parse(message.ToMemory());
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("job_id", out var id) && id.ValueKind == JsonValueKind.String
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
        [LoggerMessage(8002, LogLevel.Warning, "An erasure-jobs message names no known job; dropped")]
        public static partial void Unknown(ILogger logger);

        [LoggerMessage(8003, LogLevel.Warning, "Erasure job {JobId} failed ({Error}); the queue retries it from its first unfinished store")]
        public static partial void Failed(ILogger logger, string jobId, string error);

        [LoggerMessage(8004, LogLevel.Warning, "Erasure job {JobId} completed: {Erased} item(s) erased")]
        public static partial void Completed(ILogger logger, string jobId, int erased);
    }
}
