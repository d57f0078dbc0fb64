using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Scalekit.Webhooks.Hosting;

/// <summary>Registers an options class the one way every options class is registered: bound from settings, validated at start.</summary>
public static class SettingsRegistration
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> with <paramref name="bind"/> (which only reads values; a value it cannot
    /// read stops start-up naming the setting) and checks its rules with <typeparamref name="TValidator"/>, the
    /// source-generated validator of its data annotations, before the host starts.
    /// </summary>
    public static OptionsBuilder<TOptions> AddSettings<TOptions, TValidator>(this IServiceCollection services, Action<TOptions> bind)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return services.AddOptions<TOptions>().Configure(bind).ValidateOnStart();
    }
}
