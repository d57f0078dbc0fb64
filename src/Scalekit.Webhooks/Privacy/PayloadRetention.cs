using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Privacy;

/// <summary>What one retention run removed; <paramref name="OutOfTime"/> when it stopped at its time budget with entries left.</summary>
public sealed record RetentionRun(int LedgerPayloads, int DeadLetters, bool OutOfTime = false);

/// <summary>
/// The daily retention run (a timer in both hosts): payloads of settled events received more than
/// <see cref="RetentionOptions.Days"/> ago are removed (inline copies and claim-check blobs), keeping each ledger entry's
/// ids, type, status and times; resolved dead letters older than that are deleted. Parked, failed and in-flight events
/// keep their payloads so they can still be replayed. A Blob lifecycle rule in Bicep is the backstop for blobs.
/// A run takes no new entry once <see cref="RetentionOptions.RunBudget"/> has passed; the next run continues where it
/// stopped, because what this one removed is gone (an entry without a payload and a deleted dead letter cost the next
/// run a read, never a write).
/// </summary>
public sealed partial class PayloadRetention(
    DeadLetterStore deadLetters,
    EventLedgerMaintenance ledger,
    PayloadStore payloads,
    IOptions<RetentionOptions> options,
    TimeProvider time,
    ILogger<PayloadRetention> logger)
{
    public async Task<RetentionRun> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = time.GetUtcNow() - options.Value.Period;
        var started = time.GetTimestamp();
        var removed = 0;
        var outOfTime = false;
        await foreach (var entry in ledger.PayloadEntriesAsync(cutoff, cancellationToken).ConfigureAwait(false))
        {
            if (OutOfTime(started))
            {
                outOfTime = true;
                break;
            }

            var settled = entry.Status.IsFinal() && entry.Status != ProcessingStatus.Parked;
            if (settled && entry.HoldsPayload && await ledger.RemovePayloadAsync(entry, "retention", payloads, cancellationToken).ConfigureAwait(false))
            {
                removed++;
            }
        }

        var (deadLetters, stopped) = outOfTime ? (0, true) : await DeleteResolvedDeadLettersAsync(cutoff, started, cancellationToken).ConfigureAwait(false);
        Log.Ran(logger, options.Value.Days, removed, deadLetters, stopped);
        return new RetentionRun(removed, deadLetters, stopped);
    }

    private bool OutOfTime(long started) => time.GetElapsedTime(started) >= options.Value.RunBudget;

    private async Task<(int Deleted, bool OutOfTime)> DeleteResolvedDeadLettersAsync(DateTimeOffset cutoff, long started, CancellationToken cancellationToken)
    {
        var deleted = 0;
        await foreach (var entry in deadLetters.ResolvedBeforeAsync(cutoff, cancellationToken).ConfigureAwait(false))
        {
            if (OutOfTime(started))
            {
                return (deleted, true);
            }

            if (entry.Message is { } message && TryBlobOf(message) is { } blob)
            {
                await payloads.DeleteAsync(blob, cancellationToken).ConfigureAwait(false);
            }

            deleted += await deadLetters.DeleteAsync(entry.Source, entry.EventId, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        return (deleted, false);
    }

    private static string? TryBlobOf(BinaryData message)
    {
        try
        {
            return EnvelopeCodec.Decode(message) is { PayloadBlob: { } reference } ? $"{reference.Container}/{reference.BlobName}" : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(8005, LogLevel.Information, "Retention ({Days} days): removed {Payloads} event payloads and {DeadLetters} resolved dead letters; stopped at its time budget, the next run continues: {OutOfTime}")]
        public static partial void Ran(ILogger logger, int days, int payloads, int deadLetters, bool outOfTime);
    }
}
