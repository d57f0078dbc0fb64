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
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, and to the console when <c>TELEMETRY_CONSOLE</c> is true; with none of
/// them, OpenTelemetry is not started at all.
/// Logs are never exported here: in Azure the Functions host already forwards every worker log to Application
/// Insights, so a log exporter in the worker would send each one twice.
/// </summary>
public static class TelemetryRegistration
{
    public static IServiceCollection AddScalekitTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var exporters = Exporters.Of(configuration);
        if (!exporters.Any)
        {
            // Nothing to export to: without a listener the pipeline's activities are never created and its metrics cost nothing.
            return services;
        }

        var (appInsights, otlp, console) = exporters;

        services.AddOpenTelemetry()
            .WithTracing(tracing =>
            {
                tracing.AddSource(PipelineTelemetry.Name);
                if (!string.IsNullOrEmpty(appInsights))
                {
                    tracing.AddAzureMonitorTraceExporter(options => ConfigureAzureMonitor(options, appInsights, configuration));
                }

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
                if (!string.IsNullOrEmpty(appInsights))
                {
                    metrics.AddAzureMonitorMetricExporter(options => ConfigureAzureMonitor(options, appInsights, configuration));
                }

                if (!string.IsNullOrEmpty(otlp))
                {
                    metrics.AddOtlpExporter();
                }

                if (console)
                {
                    metrics.AddConsoleExporter();
                }
            });
        return services;
    }

    /// <summary>Whether <paramref name="configuration"/> names an exporter (Application Insights, OTLP or the console).</summary>
    public static bool Exports(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return Exporters.Of(configuration).Any;
    }

    /// <summary>The exporters the settings name: an Application Insights connection string, an OTLP endpoint, the console.</summary>
    private sealed record Exporters(string? AppInsights, string? Otlp, bool Console)
    {
        public bool Any => !string.IsNullOrEmpty(AppInsights) || !string.IsNullOrEmpty(Otlp) || Console;

        public static Exporters Of(IConfiguration configuration) => new(
            configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"],
            configuration["OTEL_EXPORTER_OTLP_ENDPOINT"],
            string.Equals(configuration["TELEMETRY_CONSOLE"], "true", StringComparison.OrdinalIgnoreCase));
    }

    private static void ConfigureAzureMonitor(AzureMonitorExporterOptions options, string connectionString, IConfiguration configuration)
    {
        options.ConnectionString = connectionString;
        if (ManagedIdentityClientId(configuration["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]) is { } clientId)
        {
            options.Credential = new ManagedIdentityCredential(clientId.Length == 0 ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId));
        }
    }

    /// <summary>
    /// Reads <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> as the Functions host does: <c>Authorization=AAD</c> means
    /// Entra ID with the managed identity, <c>ClientId=…</c> picks a user-assigned one. Null: no Entra ID; empty: the
    /// system-assigned identity.
    /// </summary>
    internal static string? ManagedIdentityClientId(string? authentication)
    {
        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in (authentication ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part.Split('=', 2, StringSplitOptions.TrimEntries) is [var key, var value])
            {
                parts[key] = value;
            }
        }

        if (!parts.TryGetValue("Authorization", out var authorization) || !authorization.Equals("AAD", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return parts.TryGetValue("ClientId", out var clientId) ? clientId : "";
    }
}
