using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Scalekit.Webhooks.Telemetry;

namespace Scalekit.Webhooks.Tests.Telemetry;

public class TelemetryRegistrationTests
{
    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("ClientId=11111111-2222-3333-4444-555555555555", null)]
    [InlineData("Authorization=AAD", "")]
    [InlineData("authorization=aad;", "")]
    [InlineData("ClientId=11111111-2222-3333-4444-555555555555;Authorization=AAD", "11111111-2222-3333-4444-555555555555")]
    [InlineData(" Authorization = AAD ; ClientId = abc ", "abc")]
    [InlineData("ClientId=a;Authorization=AAD;ClientId=b;junk", "b")]
    public void ManagedIdentityClientId_ReadsTheAuthenticationString(string? authentication, string? expected)
    {
        Assert.Equal(expected, TelemetryRegistration.ManagedIdentityClientId(authentication));
    }

    [Fact]
    public void AddScalekitTelemetry_WithoutAnExporter_StartsNoOpenTelemetry()
    {
        // Nothing would be exported, so nothing may listen: each delivery would otherwise build an activity for nobody.
        using var provider = new ServiceCollection().AddScalekitTelemetry(new ConfigurationBuilder().Build()).BuildServiceProvider();

        Assert.Null(provider.GetService<TracerProvider>());
        Assert.Null(provider.GetService<MeterProvider>());
    }

    [Fact]
    public void AddScalekitTelemetry_WithTheConsoleExporter_StartsTracesAndMetrics()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["TELEMETRY_CONSOLE"] = "true" }).Build();
        using var provider = new ServiceCollection().AddScalekitTelemetry(configuration).BuildServiceProvider();

        Assert.NotNull(provider.GetService<TracerProvider>());
        Assert.NotNull(provider.GetService<MeterProvider>());
    }
}
