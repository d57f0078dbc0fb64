using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Scalekit.Webhooks.Hosting.Local;
using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Hr.Providers;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Samples;

namespace Scalekit.Webhooks.Cli;

/// <summary>
/// The command tree. Exit codes scripts can rely on: 0 success; 1 the receiver refused the request (4xx, including not
/// found); 2 bad usage or missing settings; 3 the receiver is unreachable or failed (5xx).
/// </summary>
public static class CliApp
{
    public const int Success = 0;
    public const int Refused = 1;
    public const int UsageError = 2;
    public const int Unavailable = 3;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, HttpMessageHandler? handler = null)
    {
        var root = new RootCommand("Scalekit.Functions command-line tool.");
        root.Subcommands.Add(SendCommand(output, error, handler));
        root.Subcommands.Add(TypesCommand(output));
        root.Subcommands.Add(InitSettingsCommand(output, error));
        root.Subcommands.Add(MigrateCommand.Build(output, error, LoadSettings));
        foreach (var command in new OperationsCommands(output, error, handler, LoadSettings).Build())
        {
            root.Subcommands.Add(command);
        }

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors)
            {
                await error.WriteLineAsync(parseError.Message);
            }

            return UsageError;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
    }

    private static Command SendCommand(TextWriter output, TextWriter error, HttpMessageHandler? handler)
    {
        var source = new Argument<string>("source") { Description = EventSources.Names };
        var type = new Argument<string>("type") { Description = "Event type, e.g. organization.created, customer.subscription.updated or employee.hired (see 'types')" };
        var url = new Option<string>("--url") { Description = "Base URL of the receiver", DefaultValueFactory = _ => "http://127.0.0.1:7071" };
        var secret = new Option<string?>("--secret") { Description = "Signing secret (default: SCALEKIT_WEBHOOK_SECRET / STRIPE_WEBHOOK_SECRET / HR_CONNECTIONS__<connection>__SIGNING_SECRET from the environment or local.settings.json)" };
        var connection = new Option<string?>("--connection") { Description = "HR: the customer's connection id; the event is posted to /api/webhooks/hr/<connection> and signed with its secret" };
        var key = new Option<string?>("--key") { Description = "HR: the operations key, to read a connection made through the operations API (default: ADMIN_API_KEY from the environment or local.settings.json)" };
        var customer = new Option<string?>("--customer") { Description = "Stripe customer id (also used as the organization's external_id)" };
        var organization = new Option<string?>("--org") { Description = "Scalekit organization id (HR: named in data.organization_id, which must be the connection's)" };
        var employee = new Option<string?>("--employee") { Description = "HR: employee id (default E-1042)" };
        var email = new Option<string?>("--email") { Description = "HR: employee email (default ada@acme.example)" };
        var department = new Option<string?>("--department") { Description = "HR: department (default Engineering)" };
        var organizationExternalId = new Option<string?>("--org-external-id") { Description = "HR: name the organization by its external id (refused on a connection: shows the 400)" };
        var eventId = new Option<string?>("--event-id") { Description = "Event id (default: a new evt_… id)" };
        var price = new Option<string?>("--price-lookup-key") { Description = "Stripe price lookup key (default pro_monthly)" };
        var command = new Command("send", "Sign a realistic sample event and post it to the receiver.") { source, type, url, secret, customer, organization, eventId, price, employee, email, department, organizationExternalId, connection, key };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (!EventSources.TryParse(result.GetValue(source), out var parsedSource))
            {
                await error.WriteLineAsync($"source must be one of: {EventSources.Names}.");
                return UsageError;
            }

            var profile = EventSources.Of(parsedSource);
            var connectionId = result.GetValue(connection);
            if (profile.ConnectionsOnly && connectionId is null)
            {
                await error.WriteLineAsync($"{parsedSource} events are sent on a customer's connection: pass --connection <id> (see docs/hr.md).");
                return UsageError;
            }

            var configuration = LoadSettings();
            using var lookup = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
            var target = profile.ConnectionsOnly ? await HrTargetAsync(configuration, connectionId!, new OpsClient(lookup, new Uri(result.GetValue(url)!), result.GetValue(key) ?? configuration["ADMIN_API_KEY"] ?? string.Empty), cancellationToken) : null;
            var setting = HrProviders.Find(target?.Provider)?.AppSigningKeySetting
                ?? (profile.ConnectionsOnly ? $"{profile.SecretSetting}__{connectionId}__{HrConnection.SecretSetting}" : profile.SecretSetting);
            var signingSecret = result.GetValue(secret) ?? (IngestOptions.SplitSecrets(configuration[setting.Replace("__", ":", StringComparison.Ordinal)]) is [var current, ..] ? current : null);
            if (signingSecret is null)
            {
                await error.WriteLineAsync($"No signing secret: pass --secret, or set {setting} (environment or local.settings.json; './run.sh' creates one).");
                return UsageError;
            }

            // Millisecond precision, as the senders stamp events: two samples sent within one second still keep their
            // order (a tie would fall back to comparing the random event ids).
            var defaults = new SampleOptions { OccurredAt = DateTimeOffset.FromUnixTimeMilliseconds(TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds()) };
            var customerId = result.GetValue(customer) ?? defaults.CustomerId;
            var sample = defaults with
            {
                EventId = result.GetValue(eventId),
                CustomerId = customerId,
                ExternalId = customerId,
                OrganizationId = result.GetValue(organization) ?? defaults.OrganizationId,
                PriceLookupKey = result.GetValue(price) ?? defaults.PriceLookupKey,
                EmployeeId = result.GetValue(employee) ?? defaults.EmployeeId,
                Email = result.GetValue(email) ?? defaults.Email,
                Department = result.GetValue(department) ?? defaults.Department,
                EmployeeOrganizationId = profile.ConnectionsOnly ? result.GetValue(organization) : null,
                EmployeeOrganizationExternalId = result.GetValue(organizationExternalId),
            };
            using var client = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
            var sender = new SampleSender(client, TimeProvider.System);
            SendResult response;
            try
            {
                response = target is not null
                    ? await sender.SendHrAsync(target, result.GetValue(type)!, sample, signingSecret, new Uri(result.GetValue(url)!), cancellationToken)
                    : await sender.SendAsync(parsedSource, result.GetValue(type)!, sample, signingSecret, new Uri(result.GetValue(url)!), cancellationToken);
            }
            catch (HttpRequestException ex)
            {
                await error.WriteLineAsync($"Cannot reach {result.GetValue(url)}: {ex.Message}");
                return Unavailable;
            }

            await output.WriteLineAsync($"{(int)response.StatusCode} {response.StatusCode}: {response.Body}");
            return response.IsSuccess ? Success : (int)response.StatusCode >= 500 ? Unavailable : Refused;
        });
        return command;
    }

    /// <summary>
    /// The connection, so the sample is shaped and signed like its HR system: from the same settings the host reads, or,
    /// for one made through the operations API, from <c>GET ops/hr/connections/{id}</c> (its provider and plain fields,
    /// never a secret: pass that with <c>--secret</c>). Neither: the product's own format.
    /// </summary>
    private static async Task<HrConnection> HrTargetAsync(IConfiguration configuration, string connectionId, OpsClient ops, CancellationToken cancellationToken)
    {
        if (HrConnection.ReadAll(configuration).FirstOrDefault(connection => string.Equals(connection.Id, connectionId, StringComparison.OrdinalIgnoreCase)) is { } defined)
        {
            return defined;
        }

        var generic = new HrConnection(connectionId, null, HrProviders.Default.Name, [], null);
        if (!HrConnectionIds.IsStored(connectionId))
        {
            return generic;
        }

        try
        {
            var answer = await ops.GetAsync($"ops/hr/connections/{Uri.EscapeDataString(connectionId)}", cancellationToken);
            if (!answer.IsSuccess || HrProviders.Find(answer.Body.GetProperty("provider").GetString()) is not { } provider)
            {
                return generic;
            }

            var body = answer.Body;
            var fields = provider.PlainFields
                .Where(field => body.TryGetProperty(field.Name, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String)
                .ToDictionary(field => field.Name, field => body.GetProperty(field.Name).GetString()!, StringComparer.Ordinal);
            return new HrConnection(connectionId, body.GetProperty("organization_id").GetString(), provider.Name, [], null) { Fields = fields };
        }
        catch (HttpRequestException)
        {
            return generic;
        }
    }

    private static Command TypesCommand(TextWriter output)
    {
        var command = new Command("types", "List the sample event types per source.");
        command.SetAction(async _ =>
        {
            foreach (var type in ScalekitSamples.Types)
            {
                await output.WriteLineAsync("scalekit " + type);
            }

            foreach (var type in StripeSamples.Types)
            {
                await output.WriteLineAsync("stripe   " + type);
            }

            foreach (var type in HrSamples.Types)
            {
                await output.WriteLineAsync("hr       " + type);
            }

            foreach (var provider in HrProviders.All.Where(provider => provider.Samples is not null))
            {
                foreach (var type in HrProviderSamples.TypesOf(provider))
                {
                    await output.WriteLineAsync($"hr       {type} (a {provider.Name} connection's)");
                }
            }

            return Success;
        });
        return command;
    }

    private static Command InitSettingsCommand(TextWriter output, TextWriter error)
    {
        var path = new Option<string>("--path") { Description = "Settings file to create", DefaultValueFactory = _ => LocalSettings.FileName };
        var sample = new Option<string>("--sample") { Description = "Sample file to start from", DefaultValueFactory = _ => "local.settings.sample.json" };
        var command = new Command("init-settings", "Create local.settings.json from the sample with generated development secrets; an existing file is kept.") { path, sample };
        command.SetAction(async (result, cancellationToken) =>
        {
            try
            {
                var created = await DevelopmentSettings.EnsureAsync(result.GetValue(path)!, result.GetValue(sample)!, cancellationToken);
                var changes = created ? [] : await DevelopmentSettings.UpgradeAsync(result.GetValue(path)!, cancellationToken);
                await output.WriteLineAsync(created ? $"Created {result.GetValue(path)} with generated development secrets."
                    : changes.Count > 0 ? $"Using existing {result.GetValue(path)}; {string.Join("; ", changes)}."
                    : $"Using existing {result.GetValue(path)}.");
                return Success;
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync(ex.Message);
                return UsageError;
            }
        });
        return command;
    }

    private static IConfiguration LoadSettings() => new ConfigurationBuilder()
        .AddFunctionsLocalSettings(LocalSettings.Find(Directory.GetCurrentDirectory()))
        .AddEnvironmentVariables()
        .Build();
}
