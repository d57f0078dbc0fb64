using System.Text.Json;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;


namespace Scalekit.Webhooks.Scalekit;

/// <summary>
/// Applies a Scalekit event to the read model in event order. An organization that now names a billing customer as
/// its external id gets that customer's waiting billing state at once, and the CRM hears of every applied change.
/// </summary>
public sealed class ScalekitEventProcessor(ScalekitStateApplier applier, LateLinkSync lateLinks, CrmEventHook crm) : IEventProcessor
{
    public async Task<ProcessingOutcome> ProcessAsync(ReadOnlyMemory<byte> payload, JsonElement root, EventStamp stamp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stamp);
        if (!ScalekitEventMapper.TryMap(root, out var plan, out var problem))
        {
            return ProcessingOutcome.Parked($"The Scalekit event cannot be applied: {problem}");
        }

        var organizationId = Text(root, "organization_id");
        var planApply = await applier.ApplyPlanAsync(plan, stamp, cancellationToken).ConfigureAwait(false);
        var applied = planApply?.Result;
        if (applied == ApplyResult.Applied)
        {
            await crm.AfterAppliedAsync(root, stamp.EventId, stamp.OccurredAt, cancellationToken).ConfigureAwait(false);
        }

        if (applied == ApplyResult.Applied && stamp.EventType is "organization.created" or "organization.updated"
            && root.TryGetProperty("data", out var data) && Text(data, "external_id") is { } customerId
            && await lateLinks.OrganizationLinkedAsync(customerId, cancellationToken).ConfigureAwait(false) is { } synced)
        {
            // Billing state may have been waiting for exactly this link.
            return ProcessingOutcome.Applied($"applied; billing of customer {customerId} synced: {synced.Result}") with { OrganizationId = organizationId, CustomerId = customerId };
        }

        var outcome = applied switch
        {
            null => ProcessingOutcome.Ignored($"no state is kept for {stamp.EventType}"),
            ApplyResult.Stale => ProcessingOutcome.Stale("a newer event already set every row this event touches"),
            _ => ProcessingOutcome.Applied("applied"),
        };
        return outcome with { OrganizationId = organizationId, FirstWrite = planApply?.FirstWrite == true };
    }

    /// <summary>Organization events can sync billing to Scalekit and, like the types the CRM hears of, reach outside the read model.</summary>
    public bool NeedsClaim(string eventType) => eventType is "organization.created" or "organization.updated" || CrmEventHook.Hears(eventType);

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
