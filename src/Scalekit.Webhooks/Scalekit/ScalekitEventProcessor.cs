using System.Text.Json;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Scalekit;

/// <summary>
/// Applies a Scalekit event to the read model in event order, then hands every applied event to the registered
/// <see cref="IAppliedEventListener"/>s that hear its type (billing links a waiting customer, the CRM its accounts).
/// </summary>
public sealed class ScalekitEventProcessor(ScalekitStateApplier applier, IEnumerable<IAppliedEventListener> listeners) : IEventProcessor
{
    private readonly IAppliedEventListener[] _listeners = [.. listeners];

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
        if (applied == ApplyResult.Applied && await ReactAsync(root, stamp, cancellationToken).ConfigureAwait(false) is { Count: > 0 } reactions)
        {
            return ProcessingOutcome.Applied("applied; " + string.Join("; ", reactions.Select(reaction => reaction.Detail)))
                with { OrganizationId = organizationId, CustomerId = reactions.Select(reaction => reaction.CustomerId).FirstOrDefault(id => id is not null) };
        }

        var outcome = applied switch
        {
            null => ProcessingOutcome.Ignored($"no state is kept for {stamp.EventType}"),
            ApplyResult.Stale => ProcessingOutcome.Stale("a newer event already set every row this event touches"),
            _ => ProcessingOutcome.Applied("applied"),
        };
        return outcome with { OrganizationId = organizationId, FirstWrite = planApply?.FirstWrite == true };
    }

    /// <summary>The types a listener hears reach outside the read model.</summary>
    public bool NeedsClaim(string eventType) => _listeners.Any(listener => listener.Hears(eventType));

    private async Task<List<AppliedEventReaction>> ReactAsync(JsonElement root, EventStamp stamp, CancellationToken cancellationToken)
    {
        var reactions = new List<AppliedEventReaction>();
        foreach (var listener in _listeners.Where(listener => listener.Hears(stamp.EventType)))
        {
            if (await listener.AfterAppliedAsync(root, stamp, cancellationToken).ConfigureAwait(false) is { } reaction)
            {
                reactions.Add(reaction);
            }
        }

        return reactions;
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
