using System.Text.Json;
using Scalekit.Webhooks.State;

namespace Scalekit.Webhooks.Processing;

/// <summary>Applies one verified, claimed event of one source to its state; each source registers one.</summary>
public interface IEventProcessor
{
    /// <param name="payload">The event's body, exactly as the sender signed it.</param>
    /// <param name="root">The same body, parsed.</param>
    /// <param name="stamp">When the event happened, its id and type: the order key of every row it writes.</param>
    /// <param name="cancellationToken">Cancelled when the host stops.</param>
    /// <returns>The outcome; malformed data is <see cref="ProcessingOutcome.Parked"/>. Throws only on transient failures.</returns>
    Task<ProcessingOutcome> ProcessAsync(ReadOnlyMemory<byte> payload, JsonElement root, EventStamp stamp, CancellationToken cancellationToken);

    /// <summary>
    /// Whether an event of <paramref name="eventType"/> is claimed in the ledger before it is applied (the default). A
    /// processor answers no only for types whose every effect is a read-model write ordered by the event's stamp: those
    /// are idempotent, so a duplicate or racing delivery changes nothing twice, and the ledger records them after they
    /// are applied in one write instead of a claim and a completion (on a first delivery, together with the events
    /// handled beside it: see <see cref="ProcessingOutcome.FirstWrite"/>).
    /// </summary>
    bool NeedsClaim(string eventType) => true;
}
