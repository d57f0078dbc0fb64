using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.Stripe;

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

    /// <summary>The identity of every source, in the order of <see cref="All"/>.</summary>
    public static IReadOnlyList<WebhookSource> Sources { get; } = [.. All.Select(profile => profile.Source)];

    /// <summary>The names, for messages and help texts: <c>scalekit, stripe or hr</c>.</summary>
    public static string Names { get; } = string.Join(", ", Sources.SkipLast(1).Select(source => source.Name)) + " or " + Sources[^1].Name;

    public static EventSource Of(WebhookSource source) =>
        All.FirstOrDefault(profile => profile.Source == source) ?? throw new ArgumentOutOfRangeException(nameof(source), source, "No event source is registered for it.");

    /// <summary>The source named <paramref name="name"/> (in any case), as routes, envelopes and stored rows name it.</summary>
    public static bool TryParse(string? name, out WebhookSource source)
    {
        foreach (var profile in All)
        {
            if (string.Equals(profile.Source.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                source = profile.Source;
                return true;
            }
        }

        source = default;
        return false;
    }
}
