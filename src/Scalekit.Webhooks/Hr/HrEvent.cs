using System.Globalization;
using System.Text.Json;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Hr;

/// <summary>The five things an HR system tells about an employee.</summary>
public enum HrEventType
{
    Hired,
    Updated,
    OnLeave,
    Returned,
    Terminated,
}

/// <summary>An employee as an HR event describes them; every field but the id and the email is optional.</summary>
public sealed record HrEmployee(string EmployeeId, string Email)
{
    public string? FirstName { get; init; }

    public string? LastName { get; init; }

    public string? Department { get; init; }

    public string? Title { get; init; }

    public string? ManagerEmail { get; init; }

    public DateOnly? StartDate { get; init; }

    /// <summary><c>active</c>, <c>on_leave</c> or <c>terminated</c>, when the HR system sends it.</summary>
    public string? Status { get; init; }

    public string? OrganizationId { get; init; }

    public string? OrganizationExternalId { get; init; }

    public DateOnly? LeaveStartDate { get; init; }

    public DateOnly? TerminationDate { get; init; }

    /// <summary>The lower-cased part of the email after the '@'.</summary>
    public string EmailDomain => Email[(Email.LastIndexOf('@') + 1)..].ToLowerInvariant();
}

/// <summary>
/// One event in the product's HR format (<c>docs/hr-events.schema.json</c>). <see cref="TryParse"/> is the one check of
/// that format: ingest answers 400 with its message, so a malformed event never reaches a queue.
/// </summary>
public sealed record HrEvent(string Id, HrEventType Type, DateTimeOffset OccurredAt, HrEmployee Employee)
{
    private const int MaxIdLength = 255;
    private const int MaxTextLength = 256;
    private const int MaxEmailLength = 320;

    private static readonly Dictionary<string, HrEventType> Types = new(StringComparer.Ordinal)
    {
        ["employee.hired"] = HrEventType.Hired,
        ["employee.updated"] = HrEventType.Updated,
        ["employee.on_leave"] = HrEventType.OnLeave,
        ["employee.returned"] = HrEventType.Returned,
        ["employee.terminated"] = HrEventType.Terminated,
    };

    private static readonly string[] Statuses = ["active", "on_leave", "terminated"];

    /// <summary>The event type names on the wire.</summary>
    public static IReadOnlyCollection<string> TypeNames => Types.Keys;

    /// <summary>The type's name on the wire (<c>employee.on_leave</c>).</summary>
    public string TypeName => Types.First(pair => pair.Value == Type).Key;

    /// <summary>Reads and checks an HR event; on failure <paramref name="problem"/> names the field and what is wrong with it.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> json, out HrEvent? hrEvent, out string problem)
    {
        hrEvent = null;
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
            return TryRead(document.RootElement, out hrEvent, out problem);
        }
        catch (JsonException ex)
        {
            problem = $"the body is not valid JSON ({ex.Message})";
            return false;
        }
    }

    private static bool TryRead(JsonElement root, out HrEvent? hrEvent, out string problem)
    {
        hrEvent = null;
        var reader = new FieldReader(root);
        if (root.ValueKind != JsonValueKind.Object)
        {
            problem = "the body is not a JSON object";
            return false;
        }

        var id = reader.Text("id", required: true, MaxIdLength);
        var typeName = reader.Text("type", required: true, MaxIdLength);
        HrEventType type = default;
        if (typeName is not null && !Types.TryGetValue(typeName, out type))
        {
            reader.Fail("type", $"must be one of {string.Join(", ", Types.Keys)}");
        }

        var occurredText = reader.Text("occurred_at", required: true, 64);
        var occurredAt = occurredText is null ? null : EventMetadata.ParseTime(occurredText);
        if (occurredText is not null && occurredAt is null)
        {
            reader.Fail("occurred_at", "must be an RFC 3339 date-time such as 2026-11-25T09:00:00Z");
        }

        if (reader.Problem is null && (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object))
        {
            reader.Fail("data", "is required: an object describing the employee");
        }

        if (reader.Problem is not null)
        {
            problem = reader.Problem;
            return false;
        }

        var fields = new FieldReader(root.GetProperty("data"), "data.");
        var employeeId = fields.Text("employee_id", required: true, MaxIdLength);
        var email = fields.Email("email", required: true);
        var employee = new HrEmployee(employeeId ?? string.Empty, email ?? string.Empty)
        {
            FirstName = fields.Text("first_name", required: false, MaxTextLength),
            LastName = fields.Text("last_name", required: false, MaxTextLength),
            Department = fields.Text("department", required: false, MaxTextLength),
            Title = fields.Text("title", required: false, MaxTextLength),
            ManagerEmail = fields.Email("manager_email", required: false),
            StartDate = fields.Date("start_date"),
            Status = fields.OneOf("status", Statuses),
            OrganizationId = fields.Text("organization_id", required: false, MaxIdLength),
            OrganizationExternalId = fields.Text("organization_external_id", required: false, MaxIdLength),
            LeaveStartDate = fields.Date("leave_start_date"),
            TerminationDate = fields.Date("termination_date"),
        };
        if (fields.Problem is not null)
        {
            problem = fields.Problem;
            return false;
        }

        hrEvent = new HrEvent(id!, type, occurredAt!.Value, employee);
        problem = string.Empty;
        return true;
    }

    /// <summary>Reads fields of one object, keeping the first problem found.</summary>
    private sealed class FieldReader(JsonElement element, string prefix = "")
    {
        public string? Problem { get; private set; }

        public void Fail(string name, string why) => Problem ??= $"{prefix}{name} {why}";

        public string? Text(string name, bool required, int maxLength)
        {
            if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                if (required)
                {
                    Fail(name, $"is required: a non-empty string of at most {maxLength} characters");
                }

                return null;
            }

            if (value.ValueKind != JsonValueKind.String || value.GetString() is not { } text || string.IsNullOrWhiteSpace(text) || text.Length > maxLength)
            {
                Fail(name, $"must be a non-empty string of at most {maxLength} characters");
                return null;
            }

            return text;
        }

        public string? Email(string name, bool required)
        {
            var text = Text(name, required, MaxEmailLength);
            var at = text?.IndexOf('@', StringComparison.Ordinal) ?? -1;
            if (text is not null && (at <= 0 || at != text.LastIndexOf('@') || at == text.Length - 1 || text.Any(char.IsWhiteSpace) || !text[(at + 1)..].Contains('.', StringComparison.Ordinal)))
            {
                Fail(name, "must be an email address such as ada@example.com");
                return null;
            }

            return text;
        }

        public DateOnly? Date(string name)
        {
            var text = Text(name, required: false, 64);
            if (text is null)
            {
                return null;
            }

            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                return date;
            }

            Fail(name, "must be a date such as 2026-12-01");
            return null;
        }

        public string? OneOf(string name, string[] allowed)
        {
            var text = Text(name, required: false, MaxIdLength);
            if (text is not null && !allowed.Contains(text, StringComparer.Ordinal))
            {
                Fail(name, $"must be one of {string.Join(", ", allowed)}");
                return null;
            }

            return text;
        }
    }
}
