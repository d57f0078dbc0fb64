using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Telemetry;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Ingest;

/// <summary>
/// The acknowledgement path: check the signature headers and timestamp, read the body within its limit, verify the
/// signature, read the event's id and type, store the envelope in the source's queue. Only a stored event is <see cref="IngestOutcome.Accepted"/>.
/// Longer than 300 lines because it is one ordered path in which every step can answer the sender with a rejection;
/// read top to bottom, the order of those checks is the contract.
/// </summary>
public sealed partial class WebhookIngestor
{
    private readonly IngestOptions _options;
    private readonly EventQueueWriter _writer;
    private readonly TimeProvider _time;
    private readonly ILogger<WebhookIngestor> _logger;
    private readonly Dictionary<WebhookSource, IWebhookVerifier> _verifiers;
    private readonly Dictionary<WebhookSource, ISourceConnections> _connections;
    private readonly Dictionary<WebhookSource, IConnectionRefusals> _refusals;

    public WebhookIngestor(IOptions<IngestOptions> options, EventQueueWriter writer, TimeProvider time, ILogger<WebhookIngestor> logger, IEnumerable<ISourceConnections> connections, IEnumerable<IConnectionRefusals> refusals)
    {
        ArgumentNullException.ThrowIfNull(connections);
        ArgumentNullException.ThrowIfNull(refusals);
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _writer = writer;
        _time = time;
        _logger = logger;
        // A sender whose secrets are missing or broken gets no verifier: its deliveries are answered 503.
        _verifiers = EventSources.All
            .Where(profile => !profile.ConnectionsOnly && _options.Sender(profile.Source).IsEnabled)
            .ToDictionary(profile => profile.Source, profile => profile.CreateVerifier(_options.Sender(profile.Source), _options.TimestampTolerance, time));
        _connections = connections.ToDictionary(set => set.Source);
        _refusals = refusals.ToDictionary(set => set.Source);
    }

    /// <param name="source">Which sender's rules apply.</param>
    /// <param name="body">The raw request body, unread.</param>
    /// <param name="declaredLength">The request's Content-Length, when it sent one.</param>
    /// <param name="headers">The request headers.</param>
    /// <param name="cancellationToken">Cancelled when the client goes away.</param>
    public Task<IngestResult> IngestAsync(WebhookSource source, Stream body, long? declaredLength, WebhookHeaders headers, CancellationToken cancellationToken = default) =>
        IngestAsync(source, null, body, declaredLength, headers, cancellationToken);

    /// <param name="source">Which sender's rules apply.</param>
    /// <param name="connection">The customer connection in the route (<c>/api/webhooks/{source}/{connection}</c>), or null for the shared route.</param>
    /// <param name="body">The raw request body, unread.</param>
    /// <param name="declaredLength">The request's Content-Length, when it sent one.</param>
    /// <param name="headers">The request headers.</param>
    /// <param name="cancellationToken">Cancelled when the client goes away.</param>
    public async Task<IngestResult> IngestAsync(WebhookSource source, string? connection, Stream body, long? declaredLength, WebhookHeaders headers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(headers);
        using var activity = PipelineTelemetry.Traces.StartActivity("webhook.ingest", ActivityKind.Server);
        var started = _time.GetTimestamp();
        var result = await IngestCoreAsync(source, connection, body, declaredLength, headers, cancellationToken).ConfigureAwait(false);
        var outcome = result.Rejection is { } rejection ? WebhookResponse.ReasonCode(rejection) : OutcomeTag(result.Outcome);
        var tags = new TagList { { "source", source.Name }, { "result", outcome } };
        PipelineTelemetry.IngestRequests.Add(1, tags);
        PipelineTelemetry.IngestDuration.Record(_time.GetElapsedTime(started).TotalMilliseconds, tags);
        activity?.SetTag("webhook.source", source.Name);
        activity?.SetTag("webhook.result", outcome);
        activity?.SetTag("webhook.event_id", result.EventId);
        activity?.SetTag("webhook.event_type", result.EventType);
        activity?.SetTag("webhook.delivery_id", result.DeliveryId);
        return result;
    }

    private async Task<IngestResult> IngestCoreAsync(WebhookSource source, string? connectionId, Stream body, long? declaredLength, WebhookHeaders headers, CancellationToken cancellationToken)
    {
        var profile = EventSources.Of(source);
        IWebhookVerifier? verifier;
        if (connectionId is not null)
        {
            var connection = _connections.TryGetValue(source, out var connections) ? await connections.FindAsync(connectionId, cancellationToken).ConfigureAwait(false) : null;
            if (connection is null)
            {
                return new IngestResult(IngestOutcome.UnknownConnection, $"No {source} connection has the id in this address; check the webhook URL against the connection list.");
            }

            IngestResult result;
            if (connection.Verifier is not { } connectionVerifier)
            {
                Log.ConnectionNotConfigured(_logger, source, connection.Id);
                result = new IngestResult(IngestOutcome.NotConfigured, $"This receiver cannot verify deliveries of {source} connection {connection.Id}: {connection.Problem} The delivery was not stored; retry once the setting is fixed.");
            }
            else
            {
                result = await ReceiveAsync(source, connection, connectionVerifier, new Incoming(body, declaredLength, headers), cancellationToken).ConfigureAwait(false);
            }

            if (RefusalReason(result) is { } reason)
            {
                await RecordRefusalAsync(source, connection.Id, reason, cancellationToken).ConfigureAwait(false);
            }

            return result;
        }
        else if (profile.ConnectionsOnly)
        {
            return new IngestResult(IngestOutcome.Gone, profile.SharedRouteGone ?? $"{source} deliveries are taken only on their connection's own address.");
        }
        else if (!_verifiers.TryGetValue(source, out verifier))
        {
            var sender = _options.Sender(source);
            Log.NotConfigured(_logger, source, sender.Setting);
            return new IngestResult(IngestOutcome.NotConfigured, $"This receiver cannot verify {source} deliveries: {sender.Problem} The delivery was not stored; retry once the setting is fixed.");
        }

        return await ReceiveAsync(source, null, verifier, new Incoming(body, declaredLength, headers), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The delivery's refusal reason to count against its connection, or null (accepted, or the outage was ours).</summary>
    private static string? RefusalReason(IngestResult result) => result.Outcome switch
    {
        IngestOutcome.Rejected => WebhookResponse.ReasonCode(result.Rejection!.Value),
        IngestOutcome.NotConfigured => "not_configured",
        IngestOutcome.UnknownConnection => "unknown_connection",
        _ => null,
    };

    private async Task RecordRefusalAsync(WebhookSource source, string connectionId, string reason, CancellationToken cancellationToken)
    {
        if (!_refusals.TryGetValue(source, out var refusals))
        {
            return;
        }

        try
        {
            await refusals.RecordAsync(connectionId, reason, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A figure for the operator: losing one count must never change the sender's answer.
            Log.RefusalNotCounted(_logger, ex, source, connectionId, reason);
        }
    }

    /// <summary>Everything after the verifier is chosen: the limits, the signature, the event, the queue.</summary>
    private async Task<IngestResult> ReceiveAsync(WebhookSource source, SourceConnection? connection, IWebhookVerifier verifier, Incoming incoming, CancellationToken cancellationToken)
    {
        var profile = EventSources.Of(source);
        var (body, declaredLength, headers) = incoming;
        if (declaredLength > _options.MaxBodyBytes)
        {
            return Reject(source, TooLarge());
        }

        // Cheap checks first: a delivery without usable signature headers or with a stale timestamp is refused unread.
        var headerCheck = verifier.CheckHeaders(headers);
        if (!headerCheck.IsVerified)
        {
            return Reject(source, headerCheck);
        }

        using var buffer = new PooledBuffer((int)Math.Min(declaredLength ?? 0, _options.MaxBodyBytes));
        if (!await buffer.ReadAsync(body, _options.MaxBodyBytes, cancellationToken).ConfigureAwait(false))
        {
            return Reject(source, TooLarge());
        }

        var raw = buffer.Memory;
        var verification = verifier.Verify(raw.Span, headers);
        if (!verification.IsVerified)
        {
            return Reject(source, verification);
        }

        // A connection's provider may have no delivery id header of its own: each delivery then gets a new one.
        var deliveryId = (profile.DeliveryIdHeader is { } idHeader ? headers[idHeader] : null) ?? "dlv_" + Guid.NewGuid().ToString("N");
        return await AcceptAsync(source, raw, deliveryId, cancellationToken, connection).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores an event listed from the sender's own API (Stripe's <c>GET /v1/events</c>) after its delivery was missed,
    /// exactly as a verified delivery is stored (same checks, API version policy, envelope, claim check and shard), with
    /// a delivery id that marks it <see cref="EventDelivery.Recovered"/>. No signature: it came from the API, not a caller.
    /// </summary>
    public async Task<IngestResult> IngestRecoveredAsync(WebhookSource source, ReadOnlyMemory<byte> raw, CancellationToken cancellationToken = default)
    {
        using var activity = PipelineTelemetry.Traces.StartActivity("webhook.recover", ActivityKind.Internal);
        var result = await AcceptAsync(source, raw, EventDelivery.NewRecoveredId(), cancellationToken).ConfigureAwait(false);
        activity?.SetTag("webhook.source", source.Name);
        activity?.SetTag("webhook.result", result.Rejection is { } rejection ? WebhookResponse.ReasonCode(rejection) : OutcomeTag(result.Outcome));
        activity?.SetTag("webhook.event_id", result.EventId);
        return result;
    }

    /// <summary>The part after the signature: read the event's fields, apply the version and content rules, store its envelope.</summary>
    private async Task<IngestResult> AcceptAsync(WebhookSource source, ReadOnlyMemory<byte> raw, string deliveryId, CancellationToken cancellationToken, SourceConnection? connection = null)
    {
        var profile = EventSources.Of(source);
        if (connection?.ReadDelivery is { } read)
        {
            var delivery = await read(raw, cancellationToken).ConfigureAwait(false);
            return await AcceptEventsAsync(source, delivery, deliveryId, cancellationToken).ConfigureAwait(false);
        }

        if (!EventMetadata.TryRead(raw.Span, out var metadata, out var parseFailure))
        {
            return Reject(source, parseFailure);
        }

        if (profile.ApiVersionMismatch?.Invoke(metadata!) is { } mismatch && !ApiVersionAccepted(source, metadata!, mismatch, out var versionFailure))
        {
            return Reject(source, versionFailure);
        }

        if ((connection?.ContentProblem ?? profile.ContentProblem)?.Invoke(raw) is { } problem)
        {
            return Reject(source, VerificationResult.Reject(WebhookRejection.InvalidEvent, problem));
        }

        var envelope = new EventEnvelope
        {
            Source = source,
            DeliveryId = deliveryId,
            EventId = connection is null ? metadata!.EventId : ConnectionEventId.Compose(connection.Id, metadata!.EventId),
            EventType = metadata.EventType,
            OccurredAt = metadata.OccurredAt,
            ReceivedAt = _time.GetUtcNow(),
            ApiVersion = metadata.ApiVersion,
            InlinePayload = raw,
        };
        return await StoreAsync(envelope, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stores each event a connection's delivery holds, in order; 201 only once every one is stored.</summary>
    private async Task<IngestResult> AcceptEventsAsync(WebhookSource source, ConnectionDelivery delivery, string deliveryId, CancellationToken cancellationToken)
    {
        if (delivery.Refusal is { } refusal)
        {
            return Reject(source, refusal);
        }

        if (delivery.NoConnection is { } unmatched)
        {
            return new IngestResult(IngestOutcome.UnknownConnection, unmatched);
        }

        if (delivery.IsPing || delivery.Events.Count == 0)
        {
            return new IngestResult(IngestOutcome.Acknowledged, "A test delivery: verified, nothing stored.") { DeliveryId = deliveryId };
        }

        IngestResult? first = null;
        foreach (var item in delivery.Events)
        {
            var envelope = new EventEnvelope
            {
                Source = source,
                DeliveryId = deliveryId,
                EventId = ConnectionEventId.Compose(item.ConnectionId, item.EventId),
                EventType = item.EventType,
                OccurredAt = item.OccurredAt,
                ReceivedAt = _time.GetUtcNow(),
                InlinePayload = item.Payload,
                ShardKey = item.EntityKey is null ? null : ConnectionEventId.Compose(item.ConnectionId, item.EntityKey),
            };
            var stored = await StoreAsync(envelope, cancellationToken).ConfigureAwait(false);
            if (stored.Outcome != IngestOutcome.Accepted)
            {
                // Events stored before this one keep their ids: the sender's retry stores them again as duplicates the ledger skips.
                return stored;
            }

            first ??= stored;
        }

        return delivery.Events.Count == 1 ? first! : first! with { Detail = $"stored {delivery.Events.Count} events" };
    }

    private async Task<IngestResult> StoreAsync(EventEnvelope envelope, CancellationToken cancellationToken)
    {
        try
        {
            var claimChecked = await _writer.SendAsync(envelope, cancellationToken: cancellationToken).ConfigureAwait(false);
            Log.Accepted(_logger, envelope.Source, envelope.EventId, envelope.EventType, envelope.DeliveryId, claimChecked);
            return IngestResult.Accepted(envelope, claimChecked);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Whatever the storage failure, the event is not stored, so it must not be acknowledged.
            Log.StorageFailed(_logger, ex, envelope.Source, envelope.EventId, envelope.EventType, envelope.DeliveryId);
            return new IngestResult(IngestOutcome.StorageUnavailable, "The event could not be stored; nothing was acknowledged. Retry later.")
            {
                EventId = envelope.EventId,
                EventType = envelope.EventType,
                DeliveryId = envelope.DeliveryId,
            };
        }
    }

    /// <summary>The outcome's lower-case name as a constant, so the metric tag costs no allocation.</summary>
    private static string OutcomeTag(IngestOutcome outcome) => outcome switch
    {
        IngestOutcome.Accepted => "accepted",
        IngestOutcome.Rejected => "rejected",
        IngestOutcome.NotConfigured => "notconfigured",
        IngestOutcome.StorageUnavailable => "storageunavailable",
        _ => outcome.ToString().ToLowerInvariant(),
    };

    private bool ApiVersionAccepted(WebhookSource source, EventMetadata metadata, string mismatch, out VerificationResult failure)
    {
        failure = VerificationResult.Verified;
        Log.ApiVersionMismatch(_logger, source, metadata.EventId, metadata.ApiVersion ?? "(none)", _options.StripeApiVersionPolicy);
        if (_options.StripeApiVersionPolicy == StripeApiVersionPolicy.Accept)
        {
            return true;
        }

        failure = VerificationResult.Reject(WebhookRejection.ApiVersionMismatch, $"{mismatch}, or set {IngestOptions.StripeApiVersionPolicySetting}=accept.");
        return false;
    }

    private VerificationResult TooLarge() => VerificationResult.Reject(WebhookRejection.BodyTooLarge,
        $"The body is larger than {_options.MaxBodyBytes} bytes ({IngestOptions.MaxBodySetting}).");

    private IngestResult Reject(WebhookSource source, VerificationResult verification)
    {
        Log.Rejected(_logger, source, WebhookResponse.ReasonCode(verification.Rejection!.Value), verification.Detail);
        return IngestResult.Rejected(verification);
    }

    private static partial class Log
    {
        [LoggerMessage(1001, LogLevel.Information, "Accepted {Source} event {EventId} ({EventType}), delivery {DeliveryId}, claim-checked: {ClaimChecked}")]
        public static partial void Accepted(ILogger logger, WebhookSource source, string eventId, string eventType, string deliveryId, bool claimChecked);

        [LoggerMessage(1002, LogLevel.Warning, "Rejected {Source} delivery: {Reason}: {Detail}")]
        public static partial void Rejected(ILogger logger, WebhookSource source, string reason, string detail);

        [LoggerMessage(1003, LogLevel.Error, "Could not store {Source} event {EventId} ({EventType}), delivery {DeliveryId}; answered 503")]
        public static partial void StorageFailed(ILogger logger, Exception exception, WebhookSource source, string eventId, string eventType, string deliveryId);

        [LoggerMessage(1004, LogLevel.Error, "{Source} delivery refused with 503: setting {Setting} is missing or invalid")]
        public static partial void NotConfigured(ILogger logger, WebhookSource source, string setting);

        [LoggerMessage(1006, LogLevel.Error, "{Source} delivery on connection {Connection} refused with 503: the connection's settings are missing or invalid")]
        public static partial void ConnectionNotConfigured(ILogger logger, WebhookSource source, string connection);

        [LoggerMessage(1007, LogLevel.Warning, "The refusal ({Reason}) of a {Source} delivery on connection {Connection} could not be counted")]
        public static partial void RefusalNotCounted(ILogger logger, Exception exception, WebhookSource source, string connection, string reason);

        [LoggerMessage(1005, LogLevel.Warning, "{Source} event {EventId} has api_version {ApiVersion}, not the one this receiver reads; policy: {Policy}")]
        public static partial void ApiVersionMismatch(ILogger logger, WebhookSource source, string eventId, string apiVersion, StripeApiVersionPolicy policy);
    }

    /// <summary>A delivery as it arrived: its unread body, the length its sender declared and its headers.</summary>
    private readonly record struct Incoming(Stream Body, long? DeclaredLength, WebhookHeaders Headers);
}
