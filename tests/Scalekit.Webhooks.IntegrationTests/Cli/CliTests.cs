using System.Text.Json;
using Scalekit.Webhooks.Cli;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Verification;

using Scalekit.Webhooks.Testing;

namespace Scalekit.Webhooks.IntegrationTests.Cli;

public class CliTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => host.ClearQueuesAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    public static TheoryData<string, string> EverySample()
    {
        var data = new TheoryData<string, string>();
        foreach (var type in ScalekitSamples.Types)
        {
            data.Add("scalekit", type);
        }

        foreach (var type in StripeSamples.Types)
        {
            data.Add("stripe", type);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EverySample))]
    public async Task Send_EverySampleType_IsAcceptedAndLandsInItsQueue(string source, string type)
    {
        var secret = source == "scalekit" ? host.ScalekitSecret : host.StripeSecret;
        var (exit, output, _) = await Run("send", source, type, "--url", host.BaseAddress.ToString(), "--secret", secret, "--customer", "cus_cli_1");

        Assert.Equal(CliApp.Success, exit);
        Assert.StartsWith("201", output, StringComparison.Ordinal);
        Assert.True(EventSources.TryParse(source, out var parsed));
        var envelope = EnvelopeCodec.Decode(Assert.Single(await host.PeekAllAsync(StorageNames.QueueFor(parsed))).Body.ToMemory());
        Assert.Equal(type, envelope.EventType);
        if (source == "stripe")
        {
            Assert.Contains("cus_cli_1", System.Text.Encoding.UTF8.GetString(envelope.InlinePayload.Span), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Send_WrongSecret_ExitsWithRefusedAndPrintsThe401()
    {
        var (exit, output, _) = await Run("send", "scalekit", "user.login", "--url", host.BaseAddress.ToString(), "--secret", WebhookSigner.NewScalekitSecret());
        Assert.Equal(CliApp.Refused, exit);
        Assert.StartsWith("401", output, StringComparison.Ordinal);
        Assert.Contains("invalid_signature", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_UnknownSource_IsAUsageError()
    {
        var (exit, _, error) = await Run("send", "github", "push", "--url", host.BaseAddress.ToString(), "--secret", "x");
        Assert.Equal(CliApp.UsageError, exit);
        Assert.Contains("scalekit", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownCommand_IsAUsageError()
    {
        var (exit, _, _) = await Run("frobnicate");
        Assert.Equal(CliApp.UsageError, exit);
    }

    [Fact]
    public async Task InitSettings_CreatesSettingsWithWorkingSecrets_AndKeepsAnExistingFile()
    {
        var folder = Directory.CreateTempSubdirectory("skfn-cli-").FullName;
        var path = Path.Combine(folder, "local.settings.json");
        var sample = Path.Combine(RepositoryRoot.Path, "local.settings.sample.json");

        Assert.Equal(CliApp.Success, (await Run("init-settings", "--path", path, "--sample", sample)).Exit);
        var first = await File.ReadAllTextAsync(path);
        Assert.Equal(CliApp.Success, (await Run("init-settings", "--path", path, "--sample", sample)).Exit);

        Assert.Equal(first, await File.ReadAllTextAsync(path));
        var values = JsonDocument.Parse(first).RootElement.GetProperty("Values");
        Assert.NotNull(StandardWebhookSecret.Parse(values.GetProperty("SCALEKIT_WEBHOOK_SECRET").GetString()!));
        Assert.StartsWith("whsec_", values.GetProperty("STRIPE_WEBHOOK_SECRET").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(values.GetProperty("ADMIN_API_KEY").GetString()));
        Assert.True(values.TryGetProperty("WEBHOOK_MAX_BODY_BYTES", out _), "keeps the sample's other settings");
    }

    [Fact]
    public async Task InitSettings_UpgradesAnOlderFile_AddingMissingSecretsAndRenamingUnknownFeatures()
    {
        var folder = Directory.CreateTempSubdirectory("skfn-cli-").FullName;
        var path = Path.Combine(folder, "local.settings.json");
        var scalekitSecret = Samples.WebhookSigner.NewScalekitSecret();
        await File.WriteAllTextAsync(path, $$$"""
            {"IsEncrypted": false, "Values": {
              "SCALEKIT_WEBHOOK_SECRET": "{{{scalekitSecret}}}", "STRIPE_WEBHOOK_SECRET": "whsec_old",
              "BILLING_PLAN_MAP": "{\"pro_monthly\":{\"plan\":\"pro\",\"features\":[\"sso\",\"directory_sync\"]}}"}}
            """);

        var (exit, output, _) = await Run("init-settings", "--path", path, "--sample", Path.Combine(RepositoryRoot.Path, "local.settings.sample.json"));

        Assert.Equal(CliApp.Success, exit);
        Assert.Contains("dir_sync", output, StringComparison.Ordinal);
        var values = JsonDocument.Parse(await File.ReadAllTextAsync(path)).RootElement.GetProperty("Values");
        Assert.Equal(scalekitSecret, values.GetProperty("SCALEKIT_WEBHOOK_SECRET").GetString());
        Assert.Equal("whsec_old", values.GetProperty("STRIPE_WEBHOOK_SECRET").GetString());
        Assert.False(values.TryGetProperty("HR_WEBHOOK_SECRET", out _), "HR deliveries are signed per connection (HR_CONNECTIONS__<id>__SIGNING_SECRET)");
        Assert.Equal("{\"pro_monthly\":{\"plan\":\"pro\",\"features\":[\"sso\",\"dir_sync\"]}}", values.GetProperty("BILLING_PLAN_MAP").GetString());
    }

    private static async Task<(int Exit, string Output, string Error)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliApp.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
