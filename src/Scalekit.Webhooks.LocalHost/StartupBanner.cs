using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Http;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.LocalHost;

/// <summary>
/// Prints what a developer needs once the host listens: the two webhook URLs, the secrets in use and a send command.
/// Written to the console, not the log, so secrets never reach a log sink.
/// </summary>
internal sealed class StartupBanner(IHostApplicationLifetime lifetime, IServer server, IOptions<IngestOptions> options, IConfiguration configuration) : IHostedService
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
        Console.WriteLine($"""

            Scalekit.Functions local host is ready.
              Scalekit webhook URL : {address}{WebhookRequestHandler.ScalekitRoute}
              Stripe webhook URL   : {address}{WebhookRequestHandler.StripeRoute}
              {IngestOptions.ScalekitSecretSetting} : {Describe(ingest.Sender(WebhookSource.Scalekit))}
              {IngestOptions.StripeSecretSetting}   : {Describe(ingest.Sender(WebhookSource.Stripe))}
              Expected Stripe API version: {StripeApiVersion.Expected}
              Operations console   : {address}{ConsoleRequestHandler.PagePath}  (sign in with the key below)
              Operations API       : {address}/api/ops/stats  (header {OpsKey.Header}: {(string.IsNullOrEmpty(configuration[OpsKey.Setting]) ? "(ADMIN_API_KEY not set: operations API refuses all requests)" : configuration[OpsKey.Setting])})

            Send a signed sample event (in another terminal, from the repository root):
              dotnet run --project src/Scalekit.Webhooks.Cli -- send scalekit organization.created --url {address}

            Press Ctrl+C to stop.
            """);
    }

    private static string Describe(SenderSecrets sender) =>
        sender.IsEnabled ? string.Join("  ", sender.Secrets) : $"(deliveries get 503: {sender.Problem})";
}
