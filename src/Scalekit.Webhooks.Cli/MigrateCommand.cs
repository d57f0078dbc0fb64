using System.CommandLine;
using System.Globalization;
using Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Cli;

/// <summary>
/// <c>migrate</c>: moves rows stored under an older key scheme to the keys this build reads, straight against the
/// storage account (a long copy should not hang on an HTTP request). A dry run, with counts, unless <c>--yes</c>.
/// </summary>
internal static class MigrateCommand
{
    public static Command Build(TextWriter output, TextWriter error, Func<IConfiguration> settings)
    {
        var yes = new Option<bool>("--yes") { Description = "Really move the rows (otherwise only count them)" };
        var connection = new Option<string?>("--connection") { Description = $"Storage connection string of the queues account (default: {StorageClients.SettingName} from the environment or local.settings.json; {StorageAccountOptions.StateSetting}, {StorageAccountOptions.LedgerSetting} and {StorageAccountOptions.PayloadSetting} are read from there too)" };
        var command = new Command("migrate", "Move rows written by an older version to the keys and partitions this version reads (dry run unless --yes).") { yes, connection };
        command.SetAction(async (result, cancellationToken) =>
        {
            var configuration = settings();
            if (result.GetValue(connection) is { Length: > 0 } given)
            {
                configuration = new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection([new(StorageClients.SettingName, given)]).Build();
            }

            if (string.IsNullOrWhiteSpace(configuration[StorageClients.SettingName]) && !configuration.GetSection(StorageClients.SettingName).GetChildren().Any())
            {
                await error.WriteLineAsync($"No storage account: pass --connection, or set {StorageClients.SettingName} (environment or local.settings.json).");
                return CliApp.UsageError;
            }

            var dryRun = !result.GetValue(yes);
            MigrationReport report;
            try
            {
                var clients = StorageClients.FromConfiguration(configuration, StorageRetry.Default);
                await new StorageProvisioner(clients).EnsureCreatedAsync(cancellationToken);
                report = await new StorageMigration(new StateStore(clients, TimeProvider.System), new CustomerBillingStore(clients), new EventLedgerMaintenance(clients, TimeProvider.System)).RunAsync(dryRun, cancellationToken);
            }
            catch (OptionsValidationException ex)
            {
                await error.WriteLineAsync(ex.Message);
                return CliApp.UsageError;
            }
            catch (Exception ex) when (ex is RequestFailedException or AggregateException or InvalidOperationException)
            {
                await error.WriteLineAsync($"Storage failed: {ex.Message}");
                return CliApp.Unavailable;
            }

            await output.WriteLineAsync(TextTable.Render(["table", dryRun ? "rows to move" : "rows moved"],
                report.Rows.Select(r => (IReadOnlyList<string?>)[r.Key, r.Value.ToString(CultureInfo.InvariantCulture)])));
            await output.WriteLineAsync(dryRun
                ? $"\nDry run: {report.Total} rows would be moved. Run again with --yes to move them."
                : $"\n{report.Total} rows moved. Running it again finds nothing more to move.");
            return CliApp.Success;
        });
        return command;
    }
}
