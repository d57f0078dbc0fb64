using System.Text.Json;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.State;

namespace Scalekit.Webhooks.Hosting.Local;

/// <summary>The share of processing attempts that fail on purpose.</summary>
public sealed class FaultInjectionOptions
{
    /// <summary>From 0 (never) to 1 (always). Default 0.</summary>
    [SettingRange(FaultInjection.Setting, 0.0, 1.0)]
    public double FailureRate { get; set; }
}

[OptionsValidator]
public sealed partial class FaultInjectionOptionsValidator : IValidateOptions<FaultInjectionOptions>;

/// <summary>Throws for about <paramref name="failureRate"/> of the events, otherwise hands them to <paramref name="inner"/>.</summary>
public sealed class FaultInjectingProcessor(IEventProcessor inner, double failureRate) : IEventProcessor
{
    public IEventProcessor Inner => inner;

    public bool NeedsClaim(string eventType) => inner.NeedsClaim(eventType);

    public Task<ProcessingOutcome> ProcessAsync(ReadOnlyMemory<byte> payload, JsonElement root, EventStamp stamp, CancellationToken cancellationToken)
    {
#pragma warning disable CA5394 // Chaos testing needs cheap randomness, not secure randomness.
        if (failureRate > 0 && Random.Shared.NextDouble() < failureRate)
#pragma warning restore CA5394
        {
            throw new InvalidOperationException($"Injected fault ({FaultInjection.Setting}).");
        }

        return inner.ProcessAsync(payload, root, stamp, cancellationToken);
    }
}
