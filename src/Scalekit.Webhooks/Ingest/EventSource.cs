using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Ingest;

/// <summary>
/// One event source, whole: the setting that holds its signing secrets, how its deliveries are verified and checked,
/// the queue its events wait in and the processor that applies them. Each source's folder declares one;
/// <see cref="EventSources"/> lists them.
/// </summary>
public sealed record EventSource
{
    public required WebhookSource Source { get; init; }

    /// <summary>The app setting with the sender's signing secrets (several during rotation).</summary>
    public required string SecretSetting { get; init; }

    /// <summary>The queue its accepted events wait in (the first shard's; see <see cref="Storage.StorageNames.QueueFor"/>).</summary>
    public required string Queue { get; init; }

    /// <summary>Builds the verifier from the sender's secrets (already checked by <see cref="SenderSecrets"/>), the timestamp tolerance and the clock.</summary>
    public required Func<IReadOnlyList<string>, TimeSpan, TimeProvider, IWebhookVerifier> CreateVerifier { get; init; }

    /// <summary>The header with the sender's delivery id; when null (the sender has none) each delivery gets a new one.</summary>
    public string? DeliveryIdHeader { get; init; }

    /// <summary>What is wrong with a verified body beyond its id and type, or null; a problem refuses the delivery with 400.</summary>
    public Func<ReadOnlyMemory<byte>, string?>? ContentProblem { get; init; }

    /// <summary>The <see cref="Processing.IEventProcessor"/> that applies the source's events.</summary>
    public required Type Processor { get; init; }

    /// <summary>The Standard Webhooks scheme (<c>webhook-id</c>, <c>webhook-timestamp</c>, <c>webhook-signature</c>).</summary>
    public static IWebhookVerifier StandardWebhooks(IReadOnlyList<string> secrets, TimeSpan tolerance, TimeProvider time) =>
        new ScalekitSignatureVerifier([.. secrets.Select(StandardWebhookSecret.Parse)], tolerance, time);
}
