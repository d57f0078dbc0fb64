using System.Text;
using System.Text.Json;
using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Hr.Providers.BambooHr;

/// <summary>
/// BambooHR's two payload families. Event-based: <c>{"type":"employee.updated","timestamp":…,"data":{"companyId","employeeId"}}</c>,
/// one event. Field-based: <c>{"employees":[{"id","action":"Created|Updated|Deleted",…}]}</c>, split into one event
/// per employee, each stored as <c>{"employees":[that employee]}</c>. Both name the employee only.
/// </summary>
public static class BambooHrPayload
{
    public const string Created = "employee.created";
    public const string Updated = "employee.updated";
    public const string Deleted = "employee.deleted";

    public static IReadOnlyList<string> Types { get; } = [Created, Updated, Deleted];

    /// <summary>The events of a verified delivery, or why it is refused.</summary>
    public static ConnectionDelivery Split(HrConnection connection, ReadOnlyMemory<byte> body)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var document = ProviderJson.Object(body);
        if (document is null)
        {
            return ConnectionDelivery.Refused("The BambooHR delivery is not a JSON object; choose the JSON format for the webhook (docs/hr.md, 'BambooHR').");
        }

        var root = document.RootElement;
        return root.TryGetProperty("employees", out var employees) ? SplitFieldBased(connection, employees) : EventBased(connection, root, body);
    }

    /// <summary>The employee and the event type a stored event names, or false when it names none.</summary>
    public static bool TryReadThin(ReadOnlyMemory<byte> payload, out string employeeId, out string type, out DateTimeOffset? at)
    {
        employeeId = type = string.Empty;
        at = null;
        using var document = ProviderJson.Object(payload);
        if (document is null)
        {
            return false;
        }

        var root = document.RootElement;
        if (root.TryGetProperty("employees", out var employees) && employees.ValueKind == JsonValueKind.Array && employees.GetArrayLength() == 1)
        {
            var employee = employees[0];
            employeeId = ProviderJson.Text(employee, "id") ?? string.Empty;
            type = TypeOfAction(ProviderJson.Text(employee, "action")) ?? string.Empty;
            at = ProviderJson.Time(ProviderJson.Text(employee, "timestamp"));
        }
        else
        {
            employeeId = ProviderJson.Text(root, "data", "employeeId") ?? string.Empty;
            type = ProviderJson.Text(root, "type") ?? string.Empty;
            at = ProviderJson.Time(ProviderJson.Text(root, "timestamp"));
        }

        return employeeId.Length > 0 && Types.Contains(type);
    }

    private static ConnectionDelivery EventBased(HrConnection connection, JsonElement root, ReadOnlyMemory<byte> body)
    {
        var type = ProviderJson.Text(root, "type");
        if (type is null || !Types.Contains(type))
        {
            return ConnectionDelivery.Refused($"type must be one of {string.Join(", ", Types)} (a BambooHR event-based webhook).");
        }

        if (ProviderJson.Text(root, "data", "employeeId") is not { Length: <= ProviderJson.MaxIdLength } employeeId)
        {
            return ConnectionDelivery.Refused($"data.employeeId is required: the id of the BambooHR employee (at most {ProviderJson.MaxIdLength} characters).");
        }

        if (connection.Field(BambooHrProvider.CompanyId) is { } company && ProviderJson.Text(root, "data", "companyId") != company)
        {
            return OtherCompany(connection);
        }

        var at = ProviderJson.Time(ProviderJson.Text(root, "timestamp"));
        return ConnectionDelivery.Of([new ConnectionEvent(connection.Id, ProviderJson.ContentId(BambooHrProvider.Profile.Name, body.Span), type, at, employeeId, body)]);
    }

    /// <summary>The company an event-based delivery names (<c>data.companyId</c>), or null.</summary>
    public static string? CompanyOf(ReadOnlyMemory<byte> body)
    {
        using var document = ProviderJson.Object(body);
        return document is null ? null : ProviderJson.Text(document.RootElement, "data", "companyId") is { } company && HrFieldFormat.Number.IsValid(company) ? company : null;
    }

    public static ConnectionDelivery OtherCompany(HrConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return ConnectionDelivery.Refused($"data.companyId is not the company of connection {connection.Id} (its {BambooHrProvider.CompanyId}); each BambooHR company posts to its own connection.");
    }

    private static ConnectionDelivery SplitFieldBased(HrConnection connection, JsonElement employees)
    {
        if (employees.ValueKind != JsonValueKind.Array)
        {
            return ConnectionDelivery.Refused("employees must be a list of changed employees (a BambooHR field-based webhook).");
        }

        var events = new List<ConnectionEvent>(employees.GetArrayLength());
        var index = 0;
        foreach (var employee in employees.EnumerateArray())
        {
            var employeeId = ProviderJson.Text(employee, "id");
            var type = TypeOfAction(ProviderJson.Text(employee, "action"));
            if (employeeId is not { Length: <= ProviderJson.MaxIdLength } || type is null)
            {
                return ConnectionDelivery.Refused($"employees[{index}] needs an id (at most {ProviderJson.MaxIdLength} characters) and an action of Created, Updated or Deleted.");
            }

            var payload = Encoding.UTF8.GetBytes($"{{\"employees\":[{employee.GetRawText()}]}}");
            var at = ProviderJson.Time(ProviderJson.Text(employee, "timestamp"));
            events.Add(new ConnectionEvent(connection.Id, ProviderJson.ContentId(BambooHrProvider.Profile.Name, payload), type, at, employeeId, payload));
            index++;
        }

        return ConnectionDelivery.Of(events);
    }

    private static string? TypeOfAction(string? action) => action?.ToLowerInvariant() switch
    {
        "created" => Created,
        "updated" => Updated,
        "deleted" => Deleted,
        _ => null,
    };
}
