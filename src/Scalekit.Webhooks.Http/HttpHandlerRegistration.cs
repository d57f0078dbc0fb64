using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
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
        services.TryAddSingleton<RecoveryRequestHandler>();
        services.TryAddSingleton<HrConnectionsRequestHandler>();
        // Every handler here is asynchronous all the way, so Kestrel may run it on the thread that read the socket
        // instead of queueing it to another thread: about two thread-pool hand-offs less per delivery (docs/benchmarks.md).
        services.Configure<SocketTransportOptions>(sockets => sockets.UnsafePreferInlineScheduling = true);
        return services;
    }
}
