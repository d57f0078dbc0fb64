using System.Text;
using System.Text.Json.Nodes;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Samples;

namespace Scalekit.Webhooks.Tests.Hr;

public class HrEventTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("employee.hired", HrEventType.Hired)]
    [InlineData("employee.updated", HrEventType.Updated)]
    [InlineData("employee.on_leave", HrEventType.OnLeave)]
    [InlineData("employee.returned", HrEventType.Returned)]
    [InlineData("employee.terminated", HrEventType.Terminated)]
    public void TryParse_EverySampleType_ReadsEveryField(string type, HrEventType expected)
    {
        var sample = HrSamples.Create(type, new SampleOptions { OccurredAt = At, EventId = "hrevt_1", EmployeeId = "E-7", Email = "ada@acme.example", EmployeeOrganizationId = "org_62711281101783560" });

        Assert.True(HrEvent.TryParse(Encoding.UTF8.GetBytes(sample.ToJsonString()), out var parsed, out var problem), problem);
        Assert.Equal(expected, parsed!.Type);
        Assert.Equal(type, parsed.TypeName);
        Assert.Equal("hrevt_1", parsed.Id);
        Assert.Equal(At, parsed.OccurredAt);
        Assert.Equal("E-7", parsed.Employee.EmployeeId);
        Assert.Equal("acme.example", parsed.Employee.EmailDomain);
        Assert.Equal("Ada", parsed.Employee.FirstName);
        Assert.Equal("Lovelace", parsed.Employee.LastName);
        Assert.Equal("Engineering", parsed.Employee.Department);
        Assert.Equal(new DateOnly(2026, 11, 25), parsed.Employee.StartDate);
        Assert.Equal("org_62711281101783560", parsed.Employee.OrganizationId);
    }

    [Theory]
    [InlineData("id", null, "id is required")]
    [InlineData("type", "employee.promoted", "type must be one of")]
    [InlineData("occurred_at", null, "occurred_at is required")]
    [InlineData("occurred_at", "yesterday", "occurred_at must be an RFC 3339")]
    [InlineData("data", null, "data is required")]
    [InlineData("data.employee_id", null, "data.employee_id is required")]
    [InlineData("data.employee_id", "", "data.employee_id must be a non-empty string")]
    [InlineData("data.email", null, "data.email is required")]
    [InlineData("data.email", "ada.example.com", "data.email must be an email address")]
    [InlineData("data.email", "ada@localhost", "data.email must be an email address")]
    [InlineData("data.manager_email", "grace", "data.manager_email must be an email address")]
    [InlineData("data.start_date", "01/12/2026", "data.start_date must be a date")]
    [InlineData("data.status", "retired", "data.status must be one of active, on_leave, terminated")]
    [InlineData("data.organization_id", "", "data.organization_id must be a non-empty string")]
    public void TryParse_MissingOrWrongField_NamesTheField(string field, string? value, string expected)
    {
        var sample = HrSamples.Create("employee.hired", new SampleOptions { OccurredAt = At });
        var parent = field.StartsWith("data.", StringComparison.Ordinal) ? sample["data"]!.AsObject() : sample;
        var name = field.StartsWith("data.", StringComparison.Ordinal) ? field[5..] : field;
        if (value is null)
        {
            parent.Remove(name);
        }
        else
        {
            parent[name] = value;
        }

        Assert.False(HrEvent.TryParse(Encoding.UTF8.GetBytes(sample.ToJsonString()), out var parsed, out var problem));
        Assert.Null(parsed);
        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_FieldOfTheWrongJsonType_NamesTheField()
    {
        var sample = HrSamples.Create("employee.updated", new SampleOptions { OccurredAt = At });
        sample["data"]!["first_name"] = 42;

        Assert.False(HrEvent.TryParse(Encoding.UTF8.GetBytes(sample.ToJsonString()), out _, out var problem));
        Assert.StartsWith("data.first_name must be a non-empty string", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_DataNotAnObject_AndBodyNotAnObject_AreRefused()
    {
        var sample = HrSamples.Create("employee.hired", new SampleOptions { OccurredAt = At });
        sample["data"] = new JsonArray();
        Assert.False(HrEvent.TryParse(Encoding.UTF8.GetBytes(sample.ToJsonString()), out _, out var problem));
        Assert.StartsWith("data is required", problem, StringComparison.Ordinal);

        Assert.False(HrEvent.TryParse("[1]"u8.ToArray(), out _, out var notObject));
        Assert.Equal("the body is not a JSON object", notObject);
    }

    [Fact]
    public void TryParse_OnlyTheRequiredFields_IsEnough()
    {
        var json = """{"id":"hrevt_2","type":"employee.updated","occurred_at":"2026-11-25T09:00:00.123456789Z","data":{"employee_id":"E-1","email":"a@b.example","extra":{"kept":"out"}}}""";

        Assert.True(HrEvent.TryParse(Encoding.UTF8.GetBytes(json), out var parsed, out var problem), problem);
        Assert.Null(parsed!.Employee.OrganizationId);
        Assert.Null(parsed.Employee.Department);
        Assert.Equal("b.example", parsed.Employee.EmailDomain);
    }
}
