using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Scalekit.Webhooks.Telemetry;

/// <summary>
/// Exports the pipeline's traces and metrics: to Application Insights when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c>
/// is set (with Entra ID when <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> says so), over OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, and to the console when <c>TELEMETRY_CONSOLE</c> is true.
/// </summary>
public static class TelemetryRegistration
{
    public static IServiceCollection AddScalekitTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var appInsights = configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        var otlp = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        var console = string.Equals(configuration["TELEMETRY_CONSOLE"], "true", StringComparison.OrdinalIgnoreCase);
        var builder = services.AddOpenTelemetry()
            .WithTracing(tracing =>
            {
                tracing.AddSource(PipelineTelemetry.Name);
                if (!string.IsNullOrEmpty(otlp))
                {
                    tracing.AddOtlpExporter();
                }

                if (console)
                {
                    tracing.AddConsoleExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(PipelineTelemetry.Name);
                if (!string.IsNullOrEmpty(otlp))
                {
                    metrics.AddOtlpExporter();
                }

                if (console)
                {
                    metrics.AddConsoleExporter();
                }
            });
        if (!string.IsNullOrEmpty(appInsights))
        {
            builder.UseAzureMonitorExporter(options =>
            {
                options.ConnectionString = appInsights;
                if (configuration["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]?.Contains("Authorization=AAD", StringComparison.OrdinalIgnoreCase) == true)
                {
                    options.Credential = new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
                }
            });
        }

        return services;
    }
}
