using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Azure;
using Microsoft.Extensions.Logging;
using Scalekit.Webhooks.Billing;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Scalekit;
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
    ScalekitStateApplier scalekit,
    StripeBillingProcessor billing,
    LateLinkSync lateLinks,
    HrEmployeeProcessor hr,
    CrmEventHook crm,
    TimeProvider time,
    FaultInjection faults,
    EventModeFilter modes,
    ILogger<EventConsumer> logger)
{
    public async Task HandleAsync(BinaryData message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var envelope = EnvelopeCodec.Decode(message.ToMemory());
        using var scope = logger.BeginScope(new Dictionary<string, object>
        {
            ["Source"] = envelope.Source.Name(),
            ["EventId"] = envelope.EventId,
            ["EventType"] = envelope.EventType,
            ["DeliveryId"] = envelope.DeliveryId,
        });
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
        activity?.SetTag("webhook.source", envelope.Source.Name());
        activity?.SetTag("webhook.event_id", envelope.EventId);
        activity?.SetTag("webhook.event_type", envelope.EventType);
        activity?.SetTag("webhook.delivery_id", envelope.DeliveryId);
        activity?.SetTag("webhook.replay_count", envelope.ReplayCount);
        LedgerClaim? claim;
        try
        {
            claim = await ledger.ClaimAsync(envelope, payload, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (IsPermanent(ex))
        {
            // The ledger itself will not take this event's content: park it at once, without a ledger row.
            await ParkUnclaimedAsync(envelope, message, ex, activity, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (claim is null)
        {
            Log.Duplicate(logger, envelope.Source, envelope.EventId, envelope.DeliveryId);
            PipelineTelemetry.EventsProcessed.Add(1, new TagList { { "source", envelope.Source.Name() }, { "type", envelope.EventType }, { "status", "duplicate" } });
            return;
        }

        try
        {
            faults.MaybeFail();
            var (status, detail, organizationId, customerId) = await ApplyAsync(envelope, payload, cancellationToken).ConfigureAwait(false);
            await ledger.CompleteAsync(claim, status, detail, organizationId, customerId, cancellationToken).ConfigureAwait(false);
            if (envelope.Forced || envelope.ReplayCount > 0)
            {
                // A replay that went through closes its dead-letter entry, if it had one.
                await deadLetters.MarkAsync(envelope.Source, envelope.EventId, DeadLetterStore.Resolved, cancellationToken).ConfigureAwait(false);
            }

            Record(envelope, status, activity);
            Log.Applied(logger, envelope.Source, envelope.EventId, envelope.EventType, status, claim.Attempt);
        }
        catch (Exception ex) when (IsPermanent(ex))
        {
            var reason = Reason(ex);
            await ledger.CompleteAsync(claim, ProcessingStatus.Parked, reason, null, null, cancellationToken).ConfigureAwait(false);
            await deadLetters.ParkAsync(envelope.Source, envelope.EventId, envelope.EventType, message, reason, claim.Attempt, envelope.ReplayCount, null, cancellationToken).ConfigureAwait(false);
            Record(envelope, ProcessingStatus.Parked, activity);
            PipelineTelemetry.Parked.Add(1, new KeyValuePair<string, object?>("source", envelope.Source.Name()));
            Log.Parked(logger, ex, envelope.Source, envelope.EventId, envelope.EventType);
        }
        catch (Exception ex)
        {
            await ledger.FailAsync(claim, ex, CancellationToken.None).ConfigureAwait(false);
            PipelineTelemetry.ProcessingRetries.Add(1, new TagList { { "source", envelope.Source.Name() }, { "type", envelope.EventType } });
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
    }

    /// <summary>
    /// Failures that the same message can never get past: bad data, a permanent refusal, a claim-checked body that no
    /// longer matches its hash, and a storage 400 or 413 (a value Tables or Blobs will not take, such as an oversized
    /// property). Everything else (timeouts, 5xx, throttling) is transient and retried by the queue.
    /// </summary>
    internal static bool IsPermanent(Exception exception) => exception is PermanentSyncException or FormatException or JsonException
        or KeyNotFoundException or InvalidDataException or InvalidOperationException { Source: "System.Text.Json" }
        or RequestFailedException { Status: 400 or 413 };

    /// <summary>Parks an event that has no ledger claim (its body or its ledger row cannot be had), straight into the dead letters.</summary>
    private async Task ParkUnclaimedAsync(EventEnvelope envelope, BinaryData message, Exception error, Activity? activity, CancellationToken cancellationToken)
    {
        await deadLetters.ParkAsync(envelope.Source, envelope.EventId, envelope.EventType, message, Reason(error), 1, envelope.ReplayCount, null, cancellationToken).ConfigureAwait(false);
        Record(envelope, ProcessingStatus.Parked, activity);
        PipelineTelemetry.Parked.Add(1, new KeyValuePair<string, object?>("source", envelope.Source.Name()));
        Log.Parked(logger, error, envelope.Source, envelope.EventId, envelope.EventType);
    }

    private static string Reason(Exception exception) => exception is RequestFailedException refused
        ? $"Storage answered {refused.Status} {refused.ErrorCode}: the event cannot be stored or read as it is."
        : $"{exception.GetType().Name}: {exception.Message}";

    private void Record(EventEnvelope envelope, string status, Activity? activity)
    {
        var tags = new TagList { { "source", envelope.Source.Name() }, { "type", envelope.EventType }, { "status", status } };
        PipelineTelemetry.EventsProcessed.Add(1, tags);
        PipelineTelemetry.ProcessingLatency.Record((time.GetUtcNow() - envelope.ReceivedAt).TotalMilliseconds, tags);
        activity?.SetTag("webhook.status", status);
    }

    private async Task<(string Status, string Detail, string? OrganizationId, string? CustomerId)> ApplyAsync(EventEnvelope envelope, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var stamp = new EventStamp(envelope.OccurredAt ?? envelope.ReceivedAt, envelope.EventId, envelope.EventType);
        using var document = JsonDocument.Parse(payload);
        var root = document.RootElement;
        if (modes.OtherModeReason(envelope.Source, root) is { } otherMode)
        {
            return (ProcessingStatus.Ignored, otherMode, null, null);
        }

        if (envelope.Source == WebhookSource.Stripe)
        {
            var outcome = await billing.ProcessAsync(Encoding.UTF8.GetString(payload.Span), stamp, cancellationToken).ConfigureAwait(false);
            return (outcome.Status, outcome.Detail, outcome.OrganizationId, outcome.CustomerId);
        }

        if (envelope.Source == WebhookSource.Hr)
        {
            var outcome = await hr.ProcessAsync(payload, stamp, cancellationToken).ConfigureAwait(false);
            return (outcome.Status, outcome.Detail, outcome.OrganizationId, null);
        }

        var organizationId = root.TryGetProperty("organization_id", out var org) && org.ValueKind == JsonValueKind.String ? org.GetString() : null;
        var applied = await scalekit.ApplyAsync(root, stamp, cancellationToken).ConfigureAwait(false);
        if (applied == ApplyResult.Applied)
        {
            await crm.AfterAppliedAsync(root, envelope.EventId, stamp.OccurredAt, cancellationToken).ConfigureAwait(false);
        }

        if (applied == ApplyResult.Applied && envelope.EventType is "organization.created" or "organization.updated"
            && root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
            && data.TryGetProperty("external_id", out var external) && external.ValueKind == JsonValueKind.String)
        {
            // Billing state may be waiting for exactly this link.
            if (await lateLinks.OrganizationLinkedAsync(external.GetString()!, cancellationToken).ConfigureAwait(false) is { } synced)
            {
                return (ProcessingStatus.Processed, $"applied; billing of customer {external.GetString()} synced: {synced.Result}", organizationId, external.GetString());
            }
        }

        return applied switch
        {
            null => (ProcessingStatus.Ignored, $"no state is kept for {envelope.EventType}", organizationId, null),
            ApplyResult.Stale => (ProcessingStatus.StaleSkipped, "a newer event already set every row this event touches", organizationId, null),
            _ => (ProcessingStatus.Processed, "applied", organizationId, null),
        };
    }

    private static partial class Log
    {
        [LoggerMessage(3001, LogLevel.Information, "{Source} event {EventId} ({EventType}): {Status} on attempt {Attempt}")]
        public static partial void Applied(ILogger logger, WebhookSource source, string eventId, string eventType, string status, int attempt);

        [LoggerMessage(3002, LogLevel.Information, "{Source} event {EventId} is done already; delivery {DeliveryId} dropped as a duplicate")]
        public static partial void Duplicate(ILogger logger, WebhookSource source, string eventId, string deliveryId);

        [LoggerMessage(3003, LogLevel.Error, "{Source} event {EventId} ({EventType}) parked as permanently failed")]
        public static partial void Parked(ILogger logger, Exception exception, WebhookSource source, string eventId, string eventType);
    }
}
