using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Http;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Operations;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.LocalHost;

/// <summary>
/// Prints what a developer needs once the host listens: the webhook URLs, where the secrets are and a short
/// fingerprint of each (never a value, so a shared screen or a captured console leaks nothing), and a send command.
/// </summary>
internal sealed class StartupBanner(IHostApplicationLifetime lifetime, IServer server, IOptions<IngestOptions> options, IConfiguration configuration, LocalSettingsFile settingsFile) : IHostedService
{
    public const string Setting = "LOCAL_PRINT_BANNER";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!string.Equals(configuration[Setting], "false", StringComparison.OrdinalIgnoreCase))
        {
            lifetime.ApplicationStarted.Register(Print);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Print()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? LocalHostApp.DefaultUrl;
        var ingest = options.Value;
        var senders = string.Join(Environment.NewLine, EventSources.All.Select(profile => profile.ConnectionsOnly
            ? $"  {profile.Source.Name} webhook URLs: {address}{WebhookRequestHandler.PathOf(profile.Source)}/{{connection}}, one per customer{Environment.NewLine}" +
              $"    first connection: dotnet run --project src/Scalekit.Webhooks.Cli -- hr connections create --organization org_… --url {address}{Environment.NewLine}" +
              $"      (prints its webhook URL and signing secret once; docs/hr.md)"
            : $"  {profile.Source.Name} webhook URL : {address}{WebhookRequestHandler.PathOf(profile.Source)}{Environment.NewLine}" +
              $"  {profile.SecretSetting} : {Describe(ingest.Sender(profile.Source))}"));
        Console.WriteLine($"""

            Scalekit.Functions local host is ready.
              Secrets are read from : {settingsFile.Path ?? "(no local.settings.json: environment variables only)"}
            {senders}
              Expected Stripe API version: {StripeApiVersion.Expected}
              Operations console   : {address}{ConsoleRequestHandler.PagePath}  (sign in with ADMIN_API_KEY from the settings file above)
              Operations API       : {address}/api/ops/stats  (header {OpsKey.Header}: {(string.IsNullOrEmpty(configuration[OpsKey.Setting]) ? "(ADMIN_API_KEY not set: operations API refuses all requests)" : $"{OpsKey.Setting} {AuditTrail.Fingerprint(configuration[OpsKey.Setting])}")})

            Send a signed sample event (in another terminal, from the repository root):
              dotnet run --project src/Scalekit.Webhooks.Cli -- send scalekit organization.created --url {address}

            Press Ctrl+C to stop.
            """);
    }

    private static string Describe(SenderSecrets sender) =>
        sender.IsEnabled ? string.Join("  ", sender.Secrets.Select(AuditTrail.Fingerprint)) : $"(deliveries get 503: {sender.Problem})";
}

/// <summary>The local.settings.json the host read, or null when there was none.</summary>
internal sealed record LocalSettingsFile(string? Path);
