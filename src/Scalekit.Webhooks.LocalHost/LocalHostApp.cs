using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Hosting.Local;
using Scalekit.Webhooks.Http;
using Scalekit.Webhooks.Telemetry;

namespace Scalekit.Webhooks.LocalHost;

/// <summary>Builds the local host; tests call this with their own settings to run it on a free port.</summary>
public static class LocalHostApp
{
    public const string DefaultUrl = "http://127.0.0.1:7071";

    /// <param name="args">Command-line arguments (e.g. <c>--urls</c>).</param>
    /// <param name="settings">Settings that win over local.settings.json and environment variables (tests use this).</param>
    /// <param name="configureServices">Last-word service changes, such as a fixed clock in tests.</param>
    public static WebApplication Build(string[] args, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        // The caller's settings are added last, but which file to read must be known first.
        var localSettings = settings?.GetValueOrDefault("LOCAL_SETTINGS_PATH") ?? builder.Configuration["LOCAL_SETTINGS_PATH"] ?? LocalSettings.Find(Directory.GetCurrentDirectory());
        builder.Configuration.AddFunctionsHostJson(HostJson.Find(AppContext.BaseDirectory));
        builder.Configuration.AddFunctionsLocalSettings(localSettings);
        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddCommandLine(args);
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        // The ingest path enforces its own, configurable body limit while reading.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = null);
        QuietRequestTracing(builder);
        builder.Services.AddScalekitWebhooks(builder.Configuration);
        builder.Services.AddWebhookHttpHandlers();
        builder.Services.AddScalekitTelemetry(builder.Configuration);
        builder.Services.AddLocalHostServices(builder.Configuration);
        builder.Services.AddSingleton(new LocalSettingsFile(localSettings is not null && File.Exists(localSettings) ? Path.GetFullPath(localSettings) : null));
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        app.MapPost(WebhookRequestHandler.Route, (HttpContext context, string source, WebhookRequestHandler webhooks) => webhooks.HandleAsync(context, source));
        app.MapPost(WebhookRequestHandler.ConnectionRoute, (HttpContext context, string source, string connection, WebhookRequestHandler webhooks) => webhooks.HandleAsync(context, source, connection));
        app.MapOpsApi(app.Configuration[OpsKey.Setting]);
        app.MapGet("/api/health", () => Results.Ok(new { status = "ok" }));
        return app;
    }

    /// <summary>The category whose logger, when on at any level, makes ASP.NET Core start an Activity and a log scope per request.</summary>
    public const string HostingDiagnosticsCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>
    /// With no exporter configured nothing reads a request's Activity, yet ASP.NET Core starts one (and a log scope) for
    /// every request while its hosting logger is on at any level, and HttpClient then starts a child Activity and sends a
    /// traceparent header with each storage call: about 2 KB and a few microseconds per delivery (docs/benchmarks.md).
    /// That logger is turned off unless an exporter is configured or its level is set explicitly.
    /// </summary>
    private static void QuietRequestTracing(WebApplicationBuilder builder)
    {
        if (!TelemetryRegistration.Exports(builder.Configuration) && builder.Configuration[$"Logging:LogLevel:{HostingDiagnosticsCategory}"] is null)
        {
            builder.Logging.AddFilter(HostingDiagnosticsCategory, LogLevel.None);
        }
    }
}
