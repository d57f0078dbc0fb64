using System.Globalization;
using System.Text.Json.Nodes;
using Scalekit.Webhooks.Hr;

namespace Scalekit.Webhooks.Samples;

/// <summary>HR events of every type in the product's format (<c>docs/hr-events.schema.json</c>).</summary>
public static class HrSamples
{
    public static IReadOnlyList<string> Types { get; } = [.. HrEvent.TypeNames];

    /// <summary>A complete HR event of <paramref name="type"/>; an unknown type gets a hire's data (and a 400 at ingest).</summary>
    public static JsonObject Create(string type, SampleOptions options)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(options);
        var day = options.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var data = new JsonObject
        {
            ["employee_id"] = options.EmployeeId,
            ["email"] = options.Email,
            ["first_name"] = "Ada",
            ["last_name"] = "Lovelace",
            ["department"] = options.Department,
            ["title"] = "Staff Engineer",
            ["manager_email"] = "grace@" + options.Email[(options.Email.IndexOf('@', StringComparison.Ordinal) + 1)..],
            ["start_date"] = day,
            ["status"] = type switch
            {
                "employee.on_leave" => "on_leave",
                "employee.terminated" => "terminated",
                _ => "active",
            },
        };
        if (type == "employee.on_leave")
        {
            data["leave_start_date"] = day;
        }

        if (type == "employee.terminated")
        {
            data["termination_date"] = day;
        }

        if (options.EmployeeOrganizationId is { } organizationId)
        {
            data["organization_id"] = organizationId;
        }

        if (options.EmployeeOrganizationExternalId is { } externalId)
        {
            data["organization_external_id"] = externalId;
        }

        return new JsonObject
        {
            ["id"] = options.EventId ?? SampleIds.New("hrevt_"),
            ["type"] = type,
            ["occurred_at"] = options.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["data"] = data,
        };
    }
}
