using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Operations;

namespace Scalekit.Webhooks.IntegrationTests.Hosting;

public class StartupBannerTests
{
    [Fact]
    public async Task Banner_NamesTheSettingsFile_AndShowsFingerprintsNeverSecrets()
    {
        var settingsFile = Path.Combine(Path.GetTempPath(), $"skfn-banner-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(settingsFile, "{\"Values\":{}}");
        var host = new BannerHostFixture(settingsFile);
        var console = new StringWriter();
        var original = System.Console.Out;
        System.Console.SetOut(TextWriter.Synchronized(console));
        try
        {
            await host.InitializeAsync();
            await Task.Delay(200);
        }
        finally
        {
            System.Console.SetOut(original);
            await host.DisposeAsync();
            File.Delete(settingsFile);
        }

        var text = console.ToString();
        Assert.Contains("local host is ready", text, StringComparison.Ordinal);
        Assert.Contains(settingsFile, text, StringComparison.Ordinal);
        Assert.Contains(AuditTrail.Fingerprint(host.ScalekitSecret), text, StringComparison.Ordinal);
        Assert.Contains(AuditTrail.Fingerprint(host.StripeSecret), text, StringComparison.Ordinal);
        Assert.Contains(AuditTrail.Fingerprint(host.OpsKey), text, StringComparison.Ordinal);
        Assert.DoesNotContain(host.ScalekitSecret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(host.PreviousScalekitSecret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(host.StripeSecret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(host.OpsKey, text, StringComparison.Ordinal);
    }

    private sealed class BannerHostFixture(string settingsFile) : LocalHostFixture
    {
        protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
        {
            ["LOCAL_PRINT_BANNER"] = "true",
            ["LOCAL_SETTINGS_PATH"] = settingsFile,
        };
    }
}
