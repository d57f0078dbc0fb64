using System.Text.Json;
using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Hr.Providers.Merge;

/// <summary>
/// Merge's envelope, <c>{"hook":{"event"},"linked_account":{"end_user_origin_id",…},"data":{employee}}</c>. The
/// <c>end_user_origin_id</c> is the value our backend gave Merge for the customer, so it picks the connection; changed-data
/// events carry the whole Employee, so nothing is fetched.
/// </summary>
public static class MergePayload
{
    /// <summary>The events read as employee events; both spellings Merge uses are accepted.</summary>
    public static IReadOnlyList<string> EmployeeEvents { get; } =
        ["employee.added", "employee.changed", "employee.removed", "employee.created", "employee.updated", "employee.deleted"];

    /// <summary>The event of a verified delivery for the connection its linked account names, or why it is refused.</summary>
    public static async ValueTask<ConnectionDelivery> ReadAsync(Func<string, CancellationToken, ValueTask<HrConnection?>> find, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(find);
        using var document = ProviderJson.Object(body);
        if (document is null)
        {
            return ConnectionDelivery.Refused("The Merge delivery is not a JSON object.");
        }

        if (ProviderJson.Text(document.RootElement, "linked_account", "end_user_origin_id") is not { } origin)
        {
            return ConnectionDelivery.Refused("linked_account.end_user_origin_id is missing: the linked account was not made through this product's link token, so no connection can be told from it.");
        }

        return await find(origin, cancellationToken).ConfigureAwait(false) is { IsEnabled: true } connection
            ? Read(connection, document.RootElement, body)
            : ConnectionDelivery.Unmatched("No Merge connection has this linked account's end_user_origin_id; create the connection (docs/hr.md, 'Merge') before linking the account.");
    }

    private static ConnectionDelivery Read(HrConnection connection, JsonElement root, ReadOnlyMemory<byte> body)
    {
        var type = ProviderJson.Text(root, "hook", "event")?.ToLowerInvariant();
        if (type is null || !EmployeeEvents.Contains(type))
        {
            // Other common models (employments, teams) change no user: acknowledged, not stored.
            return ConnectionDelivery.Of([]);
        }

        if (ProviderJson.Text(root, "data", "id") is not { Length: <= ProviderJson.MaxIdLength } employeeId)
        {
            return ConnectionDelivery.Refused($"data.id is required: the Merge id of the employee (at most {ProviderJson.MaxIdLength} characters).");
        }

        var at = ProviderJson.Time(ProviderJson.Text(root, "data", "modified_at"));
        return ConnectionDelivery.Of([new ConnectionEvent(connection.Id, ProviderJson.ContentId(MergeProvider.Profile.Name, body.Span), type, at, employeeId, body)]);
    }

    /// <summary>
    /// The lifecycle event of a stored Merge event: removed, <c>remote_was_deleted</c>, INACTIVE or a past
    /// <c>termination_date</c> terminate; PENDING (not started) is ignored until ACTIVE; ACTIVE hires or updates.
    /// Department is the name of the first DEPARTMENT group.
    /// </summary>
    public static HrProviderRead ToEvent(ReadOnlyMemory<byte> payload, DateTimeOffset now)
    {
        using var document = ProviderJson.Object(payload);
        if (document is null || !document.RootElement.TryGetProperty("data", out var data) || ProviderJson.Text(data, "id") is not { } employeeId)
        {
            return HrProviderRead.Parked("The stored Merge event names no employee (data.id); it cannot be applied.");
        }

        var root = document.RootElement;
        var type = ProviderJson.Text(root, "hook", "event")?.ToLowerInvariant() ?? string.Empty;
        var eventId = ProviderJson.ContentId(MergeProvider.Profile.Name, payload.Span);
        var at = ProviderJson.Time(ProviderJson.Text(data, "modified_at")) ?? now;
        var terminationDate = ProviderJson.Date(ProviderJson.Text(data, "termination_date"));
        var status = ProviderJson.Text(data, "employment_status")?.ToUpperInvariant();
        if (type is "employee.removed" or "employee.deleted" || ProviderJson.Text(data, "remote_was_deleted") == "true")
        {
            return ProviderEvents.Gone(eventId, at, employeeId);
        }

        if (status == "PENDING")
        {
            return HrProviderRead.Ignored($"Merge employee {employeeId} is PENDING (not started); the user is made once Merge reports them ACTIVE.");
        }

        var employee = new HrEmployee(employeeId, ProviderJson.Text(data, "work_email") ?? string.Empty)
        {
            FirstName = ProviderJson.Text(data, "preferred_name") ?? ProviderJson.Text(data, "first_name"),
            LastName = ProviderJson.Text(data, "last_name"),
            Department = Department(data),
            StartDate = ProviderJson.Date(ProviderJson.Text(data, "start_date")) ?? ProviderJson.Date(ProviderJson.Text(data, "hire_date")),
            TerminationDate = terminationDate,
        };
        var terminated = status == "INACTIVE" || (terminationDate is { } date && date <= DateOnly.FromDateTime(now.UtcDateTime));
        var state = terminated ? HrEventType.Terminated : type is "employee.added" or "employee.created" ? HrEventType.Hired : HrEventType.Updated;
        return ProviderEvents.FromState(new HrEvent(eventId, state, at, employee), MergeProvider.Profile.Label, "work_email");
    }

    private static string? Department(JsonElement data)
    {
        if (!data.TryGetProperty("groups", out var groups) || groups.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        return groups.EnumerateArray()
            .Where(group => group.ValueKind == JsonValueKind.Object && string.Equals(ProviderJson.Text(group, "type"), "DEPARTMENT", StringComparison.OrdinalIgnoreCase))
            .Select(group => ProviderJson.Text(group, "name"))
            .FirstOrDefault(name => name is not null);
    }
}
