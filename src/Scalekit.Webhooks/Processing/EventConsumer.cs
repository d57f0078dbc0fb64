using System.Diagnostics;
using System.Text.Json;
using Azure;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Telemetry;

namespace Scalekit.Webhooks.Processing;

/// <summary>
/// Handles one queue message from either event queue; the Functions queue triggers and the local host both call it.
/// It claims the event in the ledger (so duplicates and racing consumers apply it once), applies it, and records the
/// outcome. Events that can never succeed as they are get status <c>parked</c>; other failures throw so the host's
/// retry and poison handling sees them.
/// </summary>
public sealed partial class EventConsumer(
    PayloadStore payloads,
    EventLedger ledger,
    DeadLetterStore deadLetters,
    IEnumerable<SourceProcessor> processors,
    TimeProvider time,
    EventModeFilter modes,
    ILogger<EventConsumer> logger)
{
    // As everywhere in DI, the last registration for a source wins.
    private readonly Dictionary<WebhookSource, IEventProcessor> _processors = processors.GroupBy(entry => entry.Source).ToDictionary(group => group.Key, group => group.Last().Processor);

    /// <summary>Handles a message as a queue handed it out, with how many times it has been.</summary>
    public Task HandleDeliveryAsync(QueueMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return HandleAsync(message.Body, message.DequeueCount, cancellationToken);
    }

    /// <summary>Handles a message whose delivery count is not known (it is treated as a redelivery).</summary>
    public Task HandleAsync(BinaryData message, CancellationToken cancellationToken = default) => HandleAsync(message, dequeueCount: 0, cancellationToken);

    /// <param name="message">The queue message's body.</param>
    /// <param name="dequeueCount">How many times the queue has handed out this message, this time included; 0 when not known.</param>
    /// <param name="cancellationToken">Cancelled when the host stops.</param>
    public async Task HandleAsync(BinaryData message, long dequeueCount, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var envelope = EnvelopeCodec.Decode(message.ToMemory());
        using var scope = logger.BeginScope(new EventLogScope(envelope));
        ReadOnlyMemory<byte> payload;
        try
        {
            payload = envelope.PayloadBlob is { } blob
                ? await payloads.LoadAsync(blob, cancellationToken).ConfigureAwait(false)
                : envelope.InlinePayload;
        }
        catch (Exception ex) when (ex is InvalidDataException or RequestFailedException { ErrorCode: "BlobNotFound" })
        {
            // The claim-checked body is gone or no longer matches its hash: no retry can bring it back.
            await ParkUnclaimedAsync(envelope, message, ex, null, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (envelope.PayloadBlob is null && payload.Length > EventLedger.MaxInlinePayloadChars)
        {
            // Too large for a ledger row: keep it in blob storage so the event can still be replayed.
            envelope = envelope with { PayloadBlob = await payloads.SaveAsync(envelope.Source, envelope.EventId, envelope.DeliveryId, payload, cancellationToken).ConfigureAwait(false) };
        }

        using var activity = PipelineTelemetry.Traces.StartActivity("event.process", ActivityKind.Consumer);
        activity?.SetTag("webhook.source", envelope.Source.Name);
        activity?.SetTag("webhook.event_id", envelope.EventId);
        activity?.SetTag("webhook.event_type", envelope.EventType);
        activity?.SetTag("webhook.delivery_id", envelope.DeliveryId);
        activity?.SetTag("webhook.replay_count", envelope.ReplayCount);
        LedgerClaim? claim = null;
        var needsClaim = NeedsClaim(envelope);

        // A first delivery of an event recorded without a claim may be the event's first: its ledger row is then
        // written in one transaction with those of the events handled beside it.
        using var firstRecord = !needsClaim && dequeueCount == 1 && !envelope.Forced && envelope.ReplayCount == 0 ? ledger.JoinFirstRecords(envelope.Source) : null;
        if (needsClaim)
        {
            try
            {
                claim = await ledger.ClaimAsync(envelope, payload, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (IsRefusedByStorage(ex))
            {
                // The ledger itself will not take this event's content: park it at once, without a ledger row.
                await ParkUnclaimedAsync(envelope, message, ex, activity, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (claim is null)
            {
                Duplicate(envelope);
                return;
            }
        }

        var started = time.GetTimestamp();
        ProcessingOutcome outcome;
        try
        {
            outcome = await ApplyAsync(envelope, payload, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (IsRefusedByStorage(ex))
        {
            outcome = ProcessingOutcome.Parked(Reason(ex));
        }
        catch (Exception ex)
        {
            firstRecord?.Dispose();
            if (claim is not null)
            {
                await ledger.FailAsync(claim, ex, CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await ledger.RecordFailureAsync(envelope, payload, ex, CancellationToken.None).ConfigureAwait(false);
            }

            PipelineTelemetry.ProcessingRetries.Add(1, new TagList { { "source", envelope.Source.Name }, { "type", envelope.EventType } });
            IntegrationTelemetry.RecordEvent(envelope.Source, ProcessingStatus.Failed, time.GetElapsedTime(started));
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }

        int attempt;
        if (claim is not null)
        {
            await ledger.CompleteAsync(claim, outcome, cancellationToken).ConfigureAwait(false);
            attempt = claim.Attempt;
        }
        else
        {
            int? recorded;
            try
            {
                recorded = await RecordAsync(envelope, payload, outcome, firstRecord, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (IsRefusedByStorage(ex))
            {
                // The ledger will not take this event's content: park it, without a ledger row.
                await ParkUnclaimedAsync(envelope, message, ex, activity, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (recorded is not { } known)
            {
                Duplicate(envelope);
                return;
            }

            attempt = known;
        }

        Record(envelope, outcome.Status, activity);
        IntegrationTelemetry.RecordEvent(envelope.Source, outcome.Status, time.GetElapsedTime(started));
        if (outcome.IsParked)
        {
            await deadLetters.ParkAsync(new DeadLetterParking(envelope.Source, envelope.EventId, envelope.EventType, message, outcome.Detail, attempt, envelope.ReplayCount, null), cancellationToken).ConfigureAwait(false);
            PipelineTelemetry.Parked.Add(1, new KeyValuePair<string, object?>("source", envelope.Source.Name));
            Log.Parked(logger, envelope.Source, envelope.EventId, envelope.EventType, outcome.Detail);
            return;
        }

        if (envelope.Forced || envelope.ReplayCount > 0)
        {
            // A replay that went through closes its dead-letter entry, if it had one.
            await deadLetters.MarkAsync(envelope.Source, envelope.EventId, DeadLetterStatus.Resolved, cancellationToken).ConfigureAwait(false);
        }

        Log.Applied(logger, envelope.Source, envelope.EventId, envelope.EventType, outcome.Status.Name(), attempt);
    }

    /// <summary>
    /// Records an event applied without a claim: with the first records of the events beside it when this delivery made
    /// its first write, else on its own, looking for an earlier record wherever one may be.
    /// </summary>
    private async Task<int?> RecordAsync(EventEnvelope envelope, ReadOnlyMemory<byte> payload, ProcessingOutcome outcome, GroupCommit.Member? firstRecord, CancellationToken cancellationToken)
    {
        bool mayBeRecorded;
        if (firstRecord is not null && outcome.FirstWrite)
        {
            if (await ledger.RecordFirstAsync(firstRecord, envelope, payload, outcome, cancellationToken).ConfigureAwait(false) is { } first)
            {
                return first;
            }

            // The bucket it went to holds the event already.
            mayBeRecorded = true;
        }
        else
        {
            firstRecord?.Dispose();

            // Only a delivery that made the event's first write can have recorded it with others; a later delivery applied
            // or outdated it, and a replay may find another outcome now (the deployment's settings changed).
            mayBeRecorded = envelope.Forced || envelope.ReplayCount > 0
                || !outcome.FirstWrite && outcome.Status is ProcessingStatus.Processed or ProcessingStatus.StaleSkipped;
        }

        return mayBeRecorded
            ? await ledger.RecordSeenAsync(envelope, payload, outcome, cancellationToken).ConfigureAwait(false)
            : await ledger.RecordAsync(envelope, payload, outcome, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether the event is claimed before it is applied, as its processor says (see <see cref="IEventProcessor.NeedsClaim"/>).</summary>
    private bool NeedsClaim(EventEnvelope envelope) => !_processors.TryGetValue(envelope.Source, out var processor) || processor.NeedsClaim(envelope.EventType);

    private void Duplicate(EventEnvelope envelope)
    {
        Log.Duplicate(logger, envelope.Source, envelope.EventId, envelope.DeliveryId);
        PipelineTelemetry.EventsProcessed.Add(1, new TagList { { "source", envelope.Source.Name }, { "type", envelope.EventType }, { "status", "duplicate" } });
    }

    /// <summary>
    /// Storage will never take or give this event's content: a 400 or 413 (a value Tables or Blobs will not take, such
    /// as an oversized property). Other storage failures (timeouts, 5xx, throttling) are transient and retried by the queue.
    /// </summary>
    internal static bool IsRefusedByStorage(RequestFailedException exception) => exception.Status is 400 or 413;

    /// <summary>Parks an event that has no ledger claim (its body or its ledger row cannot be had), straight into the dead letters.</summary>
    private async Task ParkUnclaimedAsync(EventEnvelope envelope, BinaryData message, Exception error, Activity? activity, CancellationToken cancellationToken)
    {
        var reason = Reason(error);
        await deadLetters.ParkAsync(new DeadLetterParking(envelope.Source, envelope.EventId, envelope.EventType, message, reason, 1, envelope.ReplayCount, null), cancellationToken).ConfigureAwait(false);
        Record(envelope, ProcessingStatus.Parked, activity);
        PipelineTelemetry.Parked.Add(1, new KeyValuePair<string, object?>("source", envelope.Source.Name));
        Log.Parked(logger, envelope.Source, envelope.EventId, envelope.EventType, reason);
    }

    private static string Reason(Exception exception) => exception is RequestFailedException refused
        ? $"Storage answered {refused.Status} {refused.ErrorCode}: the event cannot be stored or read as it is."
        : $"{exception.GetType().Name}: {exception.Message}";

    private void Record(EventEnvelope envelope, ProcessingStatus status, Activity? activity)
    {
        var tags = new TagList { { "source", envelope.Source.Name }, { "type", envelope.EventType }, { "status", status.Name() } };
        PipelineTelemetry.EventsProcessed.Add(1, tags);
        PipelineTelemetry.ProcessingLatency.Record((time.GetUtcNow() - envelope.ReceivedAt).TotalMilliseconds, tags);
        activity?.SetTag("webhook.status", status.Name());
    }

    private async Task<ProcessingOutcome> ApplyAsync(EventEnvelope envelope, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload);
        }
        catch (JsonException ex)
        {
            return ProcessingOutcome.Parked($"The event is not JSON: {ex.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (modes.OtherModeReason(envelope.Source, root) is { } otherMode)
            {
                return ProcessingOutcome.Ignored(otherMode);
            }

            var stamp = new EventStamp(envelope.OccurredAt ?? envelope.ReceivedAt, envelope.EventId, envelope.EventType);
            var processor = _processors.TryGetValue(envelope.Source, out var registered)
                ? registered
                : throw new InvalidOperationException($"No processor is registered for {envelope.Source} events.");
            return await processor.ProcessAsync(payload, root, stamp, cancellationToken).ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3001, LogLevel.Information, "{Source} event {EventId} ({EventType}): {Status} on attempt {Attempt}")]
        public static partial void Applied(ILogger logger, WebhookSource source, string eventId, string eventType, string status, int attempt);

        [LoggerMessage(3002, LogLevel.Information, "{Source} event {EventId} is done already; delivery {DeliveryId} dropped as a duplicate")]
        public static partial void Duplicate(ILogger logger, WebhookSource source, string eventId, string deliveryId);

        [LoggerMessage(3003, LogLevel.Error, "{Source} event {EventId} ({EventType}) parked as permanently failed: {Reason}")]
        public static partial void Parked(ILogger logger, WebhookSource source, string eventId, string eventType, string reason);
    }
}
