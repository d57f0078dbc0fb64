using Scalekit.Webhooks.Billing;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Scalekit;

namespace Scalekit.Webhooks.Ingest;

/// <summary>Every event source the pipeline receives: adding one is a folder and one line here.</summary>
public static class EventSources
{
    public static IReadOnlyList<EventSource> All { get; } =
    [
        ScalekitSource.Profile,
        StripeSource.Profile,
        HrSource.Profile,
    ];

    public static EventSource Of(WebhookSource source) =>
        All.FirstOrDefault(profile => profile.Source == source) ?? throw new ArgumentOutOfRangeException(nameof(source), source, "No event source is registered for it.");
}
