using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Processing;

/// <summary>The processor that applies one source's events, as registered for the consumer.</summary>
public sealed record SourceProcessor(WebhookSource Source, IEventProcessor Processor);
