using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scalekit.Webhooks.LocalHost;

namespace Scalekit.Functions.Tests;

/// <summary>
/// ASP.NET Core starts an Activity and a log scope per request while its hosting logger is on at any level; the local
/// host turns that logger off when nothing would read them, and leaves it alone when an exporter or its level is set.
/// </summary>
public class LocalHostRequestTracingTests
{
    [Fact]
    public async Task Build_WithoutAnExporter_TurnsTheHostingLoggerOff()
    {
        Assert.False(await HostingLoggerEnabledAsync(new Dictionary<string, string?>(), LogLevel.Critical));
    }

    [Fact]
    public async Task Build_WithTheConsoleExporter_KeepsTheHostingLoggerOn()
    {
        Assert.True(await HostingLoggerEnabledAsync(new Dictionary<string, string?> { ["TELEMETRY_CONSOLE"] = "true" }, LogLevel.Critical));
    }

    [Fact]
    public async Task Build_WithTheHostingLoggersLevelSet_KeepsThatLevel()
    {
        var settings = new Dictionary<string, string?> { [$"Logging:LogLevel:{LocalHostApp.HostingDiagnosticsCategory}"] = "Information" };

        Assert.True(await HostingLoggerEnabledAsync(settings, LogLevel.Information));
    }

    private static async Task<bool> HostingLoggerEnabledAsync(Dictionary<string, string?> settings, LogLevel level)
    {
        await using var app = LocalHostApp.Build(["--urls", "http://127.0.0.1:0"], settings);
        return app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(LocalHostApp.HostingDiagnosticsCategory).IsEnabled(level);
    }
}
