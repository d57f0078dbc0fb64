using System.Globalization;

namespace Scalekit.Webhooks.Hr;

/// <summary>The user metadata an HR event sets and removes (the keys of <see cref="HrUserSync.MetadataKeys"/>).</summary>
internal static class HrUserMetadata
{
    /// <summary>The user's <paramref name="metadata"/> with the event's changes applied (the same dictionary).</summary>
    public static Dictionary<string, string> Merge(Dictionary<string, string> metadata, HrEvent hrEvent)
    {
        foreach (var (key, value) in Changes(hrEvent))
        {
            if (value is null)
            {
                metadata.Remove(key);
            }
            else
            {
                metadata[key] = value;
            }
        }

        return metadata;
    }

    /// <summary>The metadata keys the event sets (null: removes).</summary>
    public static Dictionary<string, string?> Changes(HrEvent hrEvent)
    {
        var employee = hrEvent.Employee;
        var occurredOn = DateOnly.FromDateTime(hrEvent.OccurredAt.UtcDateTime);
        var changes = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [HrUserSync.MetadataKeys.EmployeeId] = employee.EmployeeId,
            [HrUserSync.MetadataKeys.LastSync] = hrEvent.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        };
        Set(changes, HrUserSync.MetadataKeys.Department, employee.Department);
        Set(changes, HrUserSync.MetadataKeys.Title, employee.Title);
        Set(changes, HrUserSync.MetadataKeys.StartDate, Date(employee.StartDate));
        Set(changes, HrUserSync.MetadataKeys.ManagerEmail, employee.ManagerEmail);
        switch (hrEvent.Type)
        {
            case HrEventType.Hired:
                changes[HrUserSync.MetadataKeys.Status] = "active";
                changes[HrUserSync.MetadataKeys.LeaveStartDate] = null;
                changes[HrUserSync.MetadataKeys.TerminationDate] = null;
                break;
            case HrEventType.Updated:
                Set(changes, HrUserSync.MetadataKeys.Status, employee.Status);
                break;
            case HrEventType.OnLeave:
                changes[HrUserSync.MetadataKeys.Status] = "on_leave";
                changes[HrUserSync.MetadataKeys.LeaveStartDate] = Date(employee.LeaveStartDate ?? occurredOn);
                break;
            case HrEventType.Returned:
                changes[HrUserSync.MetadataKeys.Status] = "active";
                changes[HrUserSync.MetadataKeys.LeaveStartDate] = null;
                break;
            case HrEventType.Terminated:
                changes[HrUserSync.MetadataKeys.Status] = "terminated";
                changes[HrUserSync.MetadataKeys.TerminationDate] = Date(employee.TerminationDate ?? occurredOn);
                break;
        }

        return changes;
    }

    private static void Set(Dictionary<string, string?> changes, string key, string? value)
    {
        if (value is not null)
        {
            changes[key] = value;
        }
    }

    private static string? Date(DateOnly? date) => date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
