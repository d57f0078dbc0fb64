using Microsoft.Extensions.Configuration;

namespace Scalekit.Webhooks.Onboarding.Checkout;

/// <summary>
/// Whether a completed Checkout starts the customer's onboarding. A value that is not a boolean never stops start-up:
/// it turns this off and <see cref="Problem"/> names the setting.
/// </summary>
public sealed class CheckoutOnboardingOptions
{
    public const string Setting = "ONBOARDING_FROM_CHECKOUT";

    /// <summary><c>true</c>: <c>checkout.session.completed</c> in subscription mode starts the onboarding. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>Why the setting is not usable, naming it; null when it is.</summary>
    public string? Problem { get; set; }

    internal static void Bind(CheckoutOnboardingOptions options, IConfiguration configuration)
    {
        var value = configuration[Setting]?.Trim();
        options.Enabled = false;
        options.Problem = null;
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        if (bool.TryParse(value, out var enabled))
        {
            options.Enabled = enabled;
            return;
        }

        options.Problem = $"{Setting} must be 'true' or 'false'; onboarding from Checkout is off until it is fixed.";
    }
}
