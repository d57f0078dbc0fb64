using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Privacy;

/// <summary>What one retention run removed.</summary>
public sealed record RetentionRun(int LedgerPayloads, int DeadLetters);

/// <summary>
/// The daily retention run (a timer in both hosts): payloads of settled events received more than
/// <see cref="RetentionOptions.Days"/> ago are removed (inline copies and claim-check blobs), keeping each ledger entry's
/// ids, type, status and times; resolved dead letters older than that are deleted. Parked, failed and in-flight events
/// keep their payloads so they can still be replayed. A Blob lifecycle rule in Bicep is the backstop for blobs.
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
        var removed = 0;
        await foreach (var entry in ledger.PayloadEntriesAsync(cutoff, cancellationToken).ConfigureAwait(false))
        {
            var settled = entry.Status.IsFinal() && entry.Status != ProcessingStatus.Parked;
            if (settled && entry.HoldsPayload && await ledger.RemovePayloadAsync(entry, "retention", payloads, cancellationToken).ConfigureAwait(false))
            {
                removed++;
            }
        }

        var deadLetters = await DeleteResolvedDeadLettersAsync(cutoff, cancellationToken).ConfigureAwait(false);
        Log.Ran(logger, options.Value.Days, removed, deadLetters);
        return new RetentionRun(removed, deadLetters);
    }

    private async Task<int> DeleteResolvedDeadLettersAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var deleted = 0;
        await foreach (var entry in deadLetters.ResolvedBeforeAsync(cutoff, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Message is { } message && TryBlobOf(message) is { } blob)
            {
                await payloads.DeleteAsync(blob, cancellationToken).ConfigureAwait(false);
            }

            deleted += await deadLetters.DeleteAsync(entry.Source, entry.EventId, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        return deleted;
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
        [LoggerMessage(8101, LogLevel.Information, "Retention ({Days} days): removed {Payloads} event payloads and {DeadLetters} resolved dead letters")]
        public static partial void Ran(ILogger logger, int days, int payloads, int deadLetters);
    }
}
