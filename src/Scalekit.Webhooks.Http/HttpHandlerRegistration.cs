using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Scalekit.Webhooks.Http;

/// <summary>The request handlers both hosts route to; each host calls this after <c>AddScalekitWebhooks</c>.</summary>
public static class HttpHandlerRegistration
{
    public static IServiceCollection AddWebhookHttpHandlers(this IServiceCollection services)
    {
        services.TryAddSingleton<WebhookRequestHandler>();
        services.TryAddSingleton<OpsAudit>();
        services.TryAddSingleton<OpsRequestHandler>();
        services.TryAddSingleton<OnboardingRequestHandler>();
        return services;
    }
}
