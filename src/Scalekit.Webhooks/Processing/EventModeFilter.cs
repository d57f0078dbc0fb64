using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Processing;

/// <summary>Which mode of events this deployment applies: Stripe live or test mode, one Scalekit environment.</summary>
public sealed class EventModeOptions
{
    public const string StripeLivemodeSetting = "STRIPE_LIVEMODE";
    public const string ScalekitEnvironmentSetting = "SCALEKIT_ENVIRONMENT_ID";

    /// <summary><c>true</c>: only live-mode Stripe events are applied; <c>false</c>: only test-mode ones; null (default): both.</summary>
    public bool? StripeLivemode { get; set; }

    /// <summary>When set, only Scalekit events of this environment (<c>env_…</c>) are applied. Default: any.</summary>
    /// <remarks>Anything else would match no event, so every Scalekit event would be ignored: refused at start.</remarks>
    [RegularExpression(@"^env_\S+$", ErrorMessage = ScalekitEnvironmentSetting + " must be a Scalekit environment id (env_…), as in the events' environment_id.")]
    public string? ScalekitEnvironmentId { get; set; }

    internal static void Bind(EventModeOptions options, IConfiguration configuration)
    {
        if (configuration[StripeLivemodeSetting] is { } live && !string.IsNullOrWhiteSpace(live))
        {
            options.StripeLivemode = bool.TryParse(live.Trim(), out var parsed)
                ? parsed
                : throw SettingValue.Invalid(StripeLivemodeSetting, "must be 'true', 'false' or unset (accept both modes)");
        }

        options.ScalekitEnvironmentId = configuration[ScalekitEnvironmentSetting] is { } environment && !string.IsNullOrWhiteSpace(environment) ? environment.Trim() : null;
    }
}

[OptionsValidator]
internal sealed partial class EventModeOptionsValidator : IValidateOptions<EventModeOptions>;

/// <summary>
/// Keeps events of the other mode out of state: a Stripe event whose <c>livemode</c> differs from
/// <see cref="EventModeOptions.StripeLivemode"/>, or a Scalekit event of another environment, is recorded ignored.
/// Each source says what its other mode is (<see cref="EventSource.OtherMode"/>).
/// </summary>
public sealed class EventModeFilter(IOptions<EventModeOptions> options)
{
    /// <summary>Why this event must not be applied, or null when it belongs to this deployment's mode.</summary>
    public string? OtherModeReason(WebhookSource source, JsonElement root) =>
        EventSources.Of(source).OtherMode?.Invoke(root, options.Value);
}
