namespace Scalekit.Webhooks.Stripe;

/// <summary>The sync cannot succeed however often it is retried (metadata limits, a 400/403/422 from Scalekit).</summary>
public sealed class PermanentSyncException(string message, Exception? inner = null) : Exception(message, inner);
