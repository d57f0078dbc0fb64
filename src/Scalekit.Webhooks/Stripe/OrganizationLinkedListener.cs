using System.Text.Json;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.State;

namespace Scalekit.Webhooks.Stripe;

/// <summary>An organization that now names a billing customer as its external id gets that customer's waiting billing state at once.</summary>
public sealed class OrganizationLinkedListener(LateLinkSync lateLinks) : IAppliedEventListener
{
    public bool Hears(string eventType) => eventType is "organization.created" or "organization.updated";

    public async Task<AppliedEventReaction?> AfterAppliedAsync(JsonElement root, EventStamp stamp, CancellationToken cancellationToken = default) =>
        root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
        && data.TryGetProperty("external_id", out var externalId) && externalId.ValueKind == JsonValueKind.String && externalId.GetString() is { } customerId
        && await lateLinks.OrganizationLinkedAsync(customerId, cancellationToken).ConfigureAwait(false) is { } synced
            // Billing state may have been waiting for exactly this link.
            ? new AppliedEventReaction($"billing of customer {customerId} synced: {synced.Result}", customerId)
            : null;
}
