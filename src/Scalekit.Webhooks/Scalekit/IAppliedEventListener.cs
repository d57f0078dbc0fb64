using System.Text.Json;
using Scalekit.Webhooks.State;

namespace Scalekit.Webhooks.Scalekit;

/// <summary>
/// Another integration's reaction to a Scalekit event the read model has just applied (billing syncs a customer that
/// waited for its organization, the CRM keeps its account links). Each integration registers its own, so the Scalekit
/// source never names them and no feature folder calls back into another.
/// </summary>
public interface IAppliedEventListener
{
    /// <summary>Whether an applied event of <paramref name="eventType"/> can reach this listener (such events are claimed before they are applied).</summary>
    bool Hears(string eventType);

    /// <summary>Reacts to an applied event it hears; returns what the ledger should say it did, or null.</summary>
    Task<AppliedEventReaction?> AfterAppliedAsync(JsonElement root, EventStamp stamp, CancellationToken cancellationToken = default);
}

/// <summary>What a listener did with an applied event: a detail for the ledger row and the billing customer it concerns.</summary>
public sealed record AppliedEventReaction(string Detail, string? CustomerId = null);
