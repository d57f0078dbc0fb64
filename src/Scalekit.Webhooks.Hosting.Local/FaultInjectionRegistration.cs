using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Processing;

namespace Scalekit.Webhooks.Hosting.Local;

/// <summary>
/// Chaos testing only: makes a share of processing attempts fail after the ledger claim and before the processor
/// touches anything, so soak runs can prove that retries, poison queues and replays lose nothing. The local host
/// installs it when <c>CHAOS_HANDLER_FAILURE_RATE</c> is set; the Functions app never has it.
/// </summary>
public static class FaultInjection
{
    public const string Setting = "CHAOS_HANDLER_FAILURE_RATE";

    /// <summary>Wraps every registered processor; call after <c>AddScalekitWebhooks</c>.</summary>
    public static IServiceCollection AddFaultInjection(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSettings<FaultInjectionOptions, FaultInjectionOptionsValidator>(options => options.FailureRate = SettingValue.Number(configuration, Setting, options.FailureRate));
        foreach (var registration in services.Where(descriptor => descriptor.ServiceType == typeof(SourceProcessor)).ToList())
        {
            services.Remove(registration);
            services.AddSingleton(provider =>
            {
                var inner = (SourceProcessor)(registration.ImplementationInstance ?? registration.ImplementationFactory!(provider));
                var rate = provider.GetRequiredService<IOptions<FaultInjectionOptions>>().Value.FailureRate;
                return inner with { Processor = new FaultInjectingProcessor(inner.Processor, rate) };
            });
        }

        return services;
    }
}
