using System.Text.Json;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Ingest;

/// <summary>
/// One event source, whole: its name, the setting that holds its signing secrets, how its deliveries are verified and
/// checked, how its events are sharded and the processor that applies them. Each source's folder declares one;
/// <see cref="EventSources"/> lists them, and nothing else in the core knows one source from another.
/// </summary>
public sealed record EventSource
{
    public required WebhookSource Source { get; init; }

    /// <summary>The queue its accepted events wait in: <c>{name}-events</c> (the first shard's; see <see cref="StorageNames.QueueFor"/>).</summary>
    public string Queue => StorageNames.QueueFor(Source);

    /// <summary>The app setting with the sender's signing secrets (several during rotation).</summary>
    public required string SecretSetting { get; init; }

    /// <summary>What is wrong with one <c>whsec_…</c> secret beyond its prefix, or null; the sender's setting is refused for it.</summary>
    public Func<string, string?>? SecretProblem { get; init; }

    /// <summary>Builds the verifier from the sender's secrets (already checked by <see cref="SenderSecrets"/>), the timestamp tolerance and the clock.</summary>
    public required Func<SenderSecrets, TimeSpan, TimeProvider, IWebhookVerifier> CreateVerifier { get; init; }

    /// <summary>The header with the sender's delivery id; when null (the sender has none) each delivery gets a new one.</summary>
    public string? DeliveryIdHeader { get; init; }

    /// <summary>
    /// How a verified event's API version differs from the one this build reads, or null when it matches (or the sender
    /// has no versions). Whether the delivery is then refused is <see cref="IngestOptions.StripeApiVersionPolicy"/>'s call.
    /// </summary>
    public Func<EventMetadata, string?>? ApiVersionMismatch { get; init; }

    /// <summary>What is wrong with a verified body beyond its id and type, or null; a problem refuses the delivery with 400.</summary>
    public Func<ReadOnlyMemory<byte>, string?>? ContentProblem { get; init; }

    /// <summary>
    /// The entity an event belongs to (an organization, a customer, an employee), read from the body's root, or null
    /// when it names none: events of one entity share a shard and keep their order there (see <see cref="EventShards"/>).
    /// </summary>
    public required Func<JsonElement, string?> EntityKey { get; init; }

    /// <summary>Why an event of another mode or environment than this deployment's must not be applied, or null.</summary>
    public Func<JsonElement, EventModeOptions, string?>? OtherMode { get; init; }

    /// <summary>The integration its events feed (<c>billing</c>, <c>hr</c>) in the integration metrics; null when none.</summary>
    public string? Integration { get; init; }

    /// <summary>The <see cref="IEventProcessor"/> that applies the source's events.</summary>
    public required Type Processor { get; init; }

    /// <summary>
    /// True when every customer has its own connection (<see cref="ISourceConnections"/>): the shared route then answers
    /// 410 with <see cref="SharedRouteGone"/>, and <see cref="SecretSetting"/> is not read.
    /// </summary>
    public bool ConnectionsOnly { get; init; }

    /// <summary>What the shared route of a <see cref="ConnectionsOnly"/> source tells a sender still posting to it.</summary>
    public string? SharedRouteGone { get; init; }

    /// <summary>The Standard Webhooks scheme (<c>webhook-id</c>, <c>webhook-timestamp</c>, <c>webhook-signature</c>).</summary>
    public static IWebhookVerifier StandardWebhooks(SenderSecrets sender, TimeSpan tolerance, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(sender);
        return new StandardWebhooksVerifier([.. sender.Secrets.Select(StandardWebhookSecret.Parse)], tolerance, time, sender.Setting);
    }

    /// <summary>A Standard Webhooks secret must hold base64 key bytes after its prefix.</summary>
    public static string? StandardWebhookSecretProblem(string secret) =>
        StandardWebhookSecret.TryParse(secret, out _, out var error) ? null : error;

    /// <summary>The non-empty string at <paramref name="path"/> below <paramref name="element"/>, or null.</summary>
    public static string? TextAt(JsonElement element, params ReadOnlySpan<string> path)
    {
        foreach (var name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }

        return element.ValueKind == JsonValueKind.String && element.GetString() is { Length: > 0 } text ? text : null;
    }
}
