using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Operations;

/// <summary>Outcome of an operator's replay request.</summary>
public enum ReplayOutcome
{
    Replayed,
    NotFound,

    /// <summary>The ledger row has neither an inline payload nor a blob reference to rebuild the event from.</summary>
    PayloadMissing,
}

/// <summary>
/// Replays that a person asks for: a parked dead letter (one, or all matching a filter, with a dry run first), or any
/// event from the ledger's stored payload. Replays are marked forced, so they run even where the ledger says done.
/// </summary>
public sealed partial class ManualReplay(DeadLetterStore deadLetters, EventLedgerQueries ledger, EventQueueWriter writer, StorageClients clients, TimeProvider time, ILogger<ManualReplay> logger)
{
    public async Task<ReplayOutcome> ReplayDeadLetterAsync(WebhookSource source, string eventId, CancellationToken cancellationToken = default)
    {
        var row = await deadLetters.FindAsync(source, eventId, cancellationToken).ConfigureAwait(false);
        if (row?.Message is not { } message)
        {
            return ReplayOutcome.NotFound;
        }

        if (WorkQueues.ForType(row.EventType) is { } work)
        {
            return await ReplayWorkAsync(work, row, message, cancellationToken).ConfigureAwait(false);
        }

        EventEnvelope envelope;
        try
        {
            envelope = EnvelopeCodec.Decode(message);
        }
        catch (FormatException)
        {
            // Not an envelope: nothing a consumer could do with it, so it stays parked.
            return ReplayOutcome.PayloadMissing;
        }

        await writer.SendAsync(envelope with { ReplayCount = 0, Forced = true }, cancellationToken: cancellationToken).ConfigureAwait(false);
        await deadLetters.MarkAsync(source, eventId, DeadLetterStatus.Replayed, cancellationToken).ConfigureAwait(false);
        Log.Replayed(logger, "dead letter", source, eventId);
        return ReplayOutcome.Replayed;
    }

    /// <summary>A parked work message goes back to its work queue with its replay count cleared.</summary>
    private async Task<ReplayOutcome> ReplayWorkAsync(ReplayableWork work, DeadLetter row, BinaryData message, CancellationToken cancellationToken)
    {
        JsonObject body;
        try
        {
            if (JsonNode.Parse(message.ToMemory().Span) is not JsonObject parsed || work.KeyOf(parsed) is null)
            {
                return ReplayOutcome.PayloadMissing;
            }

            body = parsed;
        }
        catch (JsonException)
        {
            return ReplayOutcome.PayloadMissing;
        }

        await clients.Queue(work.Queue).SendMessageAsync(WorkQueues.WithReplayCount(body, 0), cancellationToken: cancellationToken).ConfigureAwait(false);
        await deadLetters.MarkAsync(row.Source, row.EventId, DeadLetterStatus.Replayed, cancellationToken).ConfigureAwait(false);
        Log.Replayed(logger, work.Queue + " message", row.Source, row.EventId);
        return ReplayOutcome.Replayed;
    }

    /// <summary>Replays every parked dead letter matching the filter, or with <paramref name="dryRun"/> only counts them.</summary>
    public async Task<int> ReplayDeadLettersAsync(WebhookSource? source, string? eventType, bool dryRun, CancellationToken cancellationToken = default)
    {
        var matching = new List<(WebhookSource Source, string EventId)>();
        string? continuation = null;
        do
        {
            var page = await deadLetters.ListAsync(source, eventType, DeadLetterStatus.Parked, 500, continuation, cancellationToken).ConfigureAwait(false);
            matching.AddRange(page.Items.Select(entry => (entry.Source, entry.EventId)));

            continuation = page.ContinuationToken;
        }
        while (continuation is not null);

        if (dryRun)
        {
            return matching.Count;
        }

        var replayed = 0;
        foreach (var (entrySource, eventId) in matching)
        {
            if (await ReplayDeadLetterAsync(entrySource, eventId, cancellationToken).ConfigureAwait(false) == ReplayOutcome.Replayed)
            {
                replayed++;
            }
        }

        return replayed;
    }

    /// <summary>Applies an event again from the payload stored in its ledger row, even if it was processed.</summary>
    public async Task<ReplayOutcome> ReplayEventAsync(WebhookSource source, string eventId, CancellationToken cancellationToken = default)
    {
        var entry = await ledger.FindAsync(source, eventId, cancellationToken).ConfigureAwait(false);
        if (entry is null)
        {
            return ReplayOutcome.NotFound;
        }

        var envelope = new EventEnvelope
        {
            Source = source,
            DeliveryId = "replay_" + Guid.NewGuid().ToString("N"),
            EventId = entry.EventId,
            EventType = entry.EventType ?? "unknown",
            OccurredAt = entry.OccurredAt,
            ReceivedAt = entry.ReceivedAt ?? time.GetUtcNow(),
            ApiVersion = entry.ApiVersion,
            Forced = true,
        };
        if (entry.Payload is { } inline)
        {
            envelope = envelope with { InlinePayload = Encoding.UTF8.GetBytes(inline) };
        }
        else if (entry.PayloadBlob is { } blob)
        {
            envelope = envelope with { PayloadBlob = blob };
        }
        else
        {
            return ReplayOutcome.PayloadMissing;
        }

        await writer.SendAsync(envelope, cancellationToken: cancellationToken).ConfigureAwait(false);
        Log.Replayed(logger, "ledger event", source, eventId);
        return ReplayOutcome.Replayed;
    }

    private static partial class Log
    {
        [LoggerMessage(7001, LogLevel.Warning, "Operator replayed {Kind} {Source}/{EventId}")]
        public static partial void Replayed(ILogger logger, string kind, WebhookSource source, string eventId);
    }
}
