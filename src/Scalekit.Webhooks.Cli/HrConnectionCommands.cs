using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Hr.Providers;
using Scalekit.Webhooks.Operations;

namespace Scalekit.Webhooks.Cli;

/// <summary><c>hr connections list|create|rotate|delete</c>: the HR connection routes of the operations API.</summary>
internal sealed partial class OperationsCommands
{
    private const string ConnectionsPath = "ops/hr/connections";

    private Command Hr()
    {
        var connections = new Command("connections", "Customers' HR connections: list, create, rotate and delete them (docs/hr.md).")
        {
            ListConnections(), CreateConnection(), RotateConnection(), DeleteConnection(),
        };
        return new Command("hr", "HR connections.") { connections };
    }

    private Command ListConnections()
    {
        var pageSize = new Option<int>("--page-size") { Description = "Rows per page", DefaultValueFactory = _ => 50 };
        var continuation = new Option<string?>("--continuation") { Description = "Token from the previous page" };
        var command = Common(new Command("list", "Every HR connection: settings ones first (read only), then those made through the API."), pageSize, continuation);
        command.SetAction((result, cancellationToken) => RunAsync(result, ConnectionsPath + Query(
            ("pageSize", result.GetValue(pageSize).ToString(CultureInfo.InvariantCulture)), ("continuationToken", result.GetValue(continuation))), HttpMethod.Get,
            Typed<OpsPage<HrConnectionView>>(page => Page(page, ["id", "organization", "provider", "defined in", "secrets", "problem"], row =>
            [
                row.Id, row.OrganizationId, row.Provider, row.DefinedIn, string.Join(' ', row.SecretFingerprints), Shorten(row.Problem),
            ])), cancellationToken));
        return command;
    }

    private Command CreateConnection()
    {
        var organization = new Option<string>("--organization") { Description = "The Scalekit organization (org_…) its events act on", Required = true };
        var provider = new Option<string>("--provider") { Description = HrProviders.Names, DefaultValueFactory = _ => HrProviders.Default.Name };
        var fields = FieldOptions(field => !field.Generated, "");
        var command = Common(new Command("create", "Create a connection; a generic one's signing secret is printed once."), [organization, provider, .. fields]);
        command.SetAction((result, cancellationToken) =>
        {
            var body = new Dictionary<string, string?> { [HrConnectionAdmin.OrganizationField] = result.GetValue(organization), [HrConnectionAdmin.ProviderField] = result.GetValue(provider) };
            foreach (var field in fields)
            {
                if (result.GetValue(field) is { } value)
                {
                    body[field.Name.TrimStart('-').Replace('-', '_')] = value;
                }
            }

            return RunAsync(result, ConnectionsPath, HttpMethod.Post, Typed<HrConnectionView>(Describe), cancellationToken, JsonSerializer.Serialize(body));
        });
        return command;
    }

    private Command RotateConnection()
    {
        var id = new Argument<string>("id") { Description = "The connection's id (hrc_…)" };
        var fields = FieldOptions(field => field.IsSecret && !field.Generated, "the new ");
        var command = Common(new Command("rotate", "Give a connection new secrets; a generic one's new signing secret is printed once, the old one is accepted for HR_SECRET_ROTATION_GRACE_HOURS."), fields);
        command.Arguments.Add(id);
        command.SetAction((result, cancellationToken) =>
        {
            var body = fields.Where(field => result.GetValue(field) is not null).ToDictionary(field => field.Name.TrimStart('-').Replace('-', '_'), field => result.GetValue(field));
            return RunAsync(result, $"{ConnectionsPath}/{Uri.EscapeDataString(result.GetValue(id)!)}/rotate", HttpMethod.Post, Typed<HrConnectionView>(Describe), cancellationToken, JsonSerializer.Serialize(body));
        });
        return command;
    }

    private Command DeleteConnection()
    {
        var id = new Argument<string>("id") { Description = "The connection's id (hrc_…)" };
        var command = Common(new Command("delete", "Delete a connection and its secrets; its deliveries are refused (404) from then on."));
        command.Arguments.Add(id);
        command.SetAction((result, cancellationToken) => RunAsync(result, $"{ConnectionsPath}/{Uri.EscapeDataString(result.GetValue(id)!)}", HttpMethod.Delete,
            _ => $"Deleted HR connection {result.GetValue(id)} and its secrets.", cancellationToken));
        return command;
    }

    /// <summary>
    /// One option per provider field that <paramref name="wanted"/> (<c>company_domain</c> → <c>--company-domain</c>), described per
    /// provider that has it, so a new provider's fields appear here without a change.
    /// </summary>
    private static Option<string?>[] FieldOptions(Func<HrField, bool> wanted, string prefix) =>
    [
        .. HrProviders.All
            .SelectMany(profile => profile.Fields.Where(wanted).Select(field => (Profile: profile, Field: field)))
            .GroupBy(pair => pair.Field.Name, StringComparer.Ordinal)
            .Select(group => new Option<string?>("--" + group.Key.Replace('_', '-'))
            {
                Description = string.Join("; ", group.Select(pair => $"{pair.Profile.Label}: {prefix}{pair.Field.Description}{(pair.Field.Optional ? " (optional)" : "")}")),
            }),
    ];

    private static string Describe(HrConnectionView connection)
    {
        var fields = (connection.Fields ?? []).Select(pair => (pair.Key.Replace('_', ' '), (string?)pair.Value.ToString()));
        var table = TextTable.Render(["field", "value"], new (string, string?)[]
        {
            ("id", connection.Id), ("organization", connection.OrganizationId), ("provider", connection.Provider), ("webhook url", connection.WebhookUrl),
        }.Concat(fields).Concat(
        [
            ("secret fingerprints", string.Join(' ', connection.SecretFingerprints)), ("previous accepted until", Time(connection.PreviousSecretAcceptedUntil)),
        ]).Where(row => row.Item2 is { Length: > 0 }).Select(row => (IReadOnlyList<string?>)[row.Item1, row.Item2]));
        return connection.SigningSecret is { } secret
            ? $"{table}\n\nSigning secret (shown once; give it to the customer's HR sender, it is not stored anywhere you can read it again):\n{secret}"
            : table;
    }
}
