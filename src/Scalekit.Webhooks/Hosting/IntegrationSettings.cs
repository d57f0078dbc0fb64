using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Scalekit.Webhooks.Hosting;

/// <summary>
/// The settings of one integration (CRM, billing, HR, onboarding, Stripe API). A value that cannot be read or breaks
/// a rule turns off that integration alone: <see cref="Problem"/> names the setting and why, and the rest of the app
/// (every webhook, queue and timer) runs.
/// </summary>
public interface IIntegrationSettings
{
    /// <summary>Why the integration is off because of its settings; null when they are usable.</summary>
    string? Problem { get; set; }
}

/// <summary>Registers an integration's settings so that a broken one switches off only that integration.</summary>
public static class IntegrationSettings
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> with <paramref name="bind"/> and checks its rules with
    /// <typeparamref name="TValidator"/>; either failure is kept in <see cref="IIntegrationSettings.Problem"/>
    /// instead of stopping start-up.
    /// </summary>
    public static OptionsBuilder<TOptions> AddIntegrationSettings<TOptions, TValidator>(this IServiceCollection services, Action<TOptions> bind)
        where TOptions : class, IIntegrationSettings
        where TValidator : class, IValidateOptions<TOptions>, new() =>
        services.AddOptions<TOptions>().Configure(options => Apply(options, bind, new TValidator()));

    /// <summary>Binds and validates <paramref name="options"/>, keeping the first problem (the setting it names and why).</summary>
    public static void Apply<TOptions>(TOptions options, Action<TOptions> bind, IValidateOptions<TOptions> validator)
        where TOptions : class, IIntegrationSettings
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(bind);
        ArgumentNullException.ThrowIfNull(validator);
        try
        {
            bind(options);
        }
        catch (OptionsValidationException ex)
        {
            options.Problem = ex.Message;
            return;
        }

        if (validator.Validate(Options.DefaultName, options) is { Failed: true } result)
        {
            options.Problem ??= result.FailureMessage;
        }
    }
}
