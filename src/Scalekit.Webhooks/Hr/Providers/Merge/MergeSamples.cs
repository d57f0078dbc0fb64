using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Scalekit.Webhooks.Hr.Providers.Merge;

/// <summary>Deliveries shaped and signed as Merge sends them, for the CLI and tests.</summary>
public static class MergeSamples
{
    public static HrDeliverySamples Deliveries { get; } = new()
    {
        Types = ["Employee.added", "Employee.changed", "Employee.removed"],
        Body = (sample, connection) => Encoding.UTF8.GetBytes(Event(sample.Type, connection.Field(MergeProvider.EndUserOriginId), sample)),
        Sign = (body, key, _) => [Sign(body, key)],
    };

    /// <summary>An HRIS delivery carrying the whole Employee, in <paramref name="state"/> (default: active).</summary>
    public static string Event(string hookEvent, string? endUserOriginId, HrSample sample, MergeEmployeeState? state = null)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var (employmentStatus, remoteWasDeleted, terminationDate) = state ?? new MergeEmployeeState();
        return new JsonObject
        {
            ["hook"] = new JsonObject { ["id"] = "0f5a1c3e-hook", ["event"] = hookEvent, ["target"] = "https://example.com/api/webhooks/hr/merge" },
            ["linked_account"] = new JsonObject
            {
                ["id"] = "acc_sample",
                ["integration"] = "Workday",
                ["integration_slug"] = "workday",
                ["category"] = "hris",
                ["end_user_origin_id"] = endUserOriginId,
                ["end_user_organization_name"] = "Acme",
                ["status"] = "COMPLETE",
            },
            ["data"] = new JsonObject
            {
                ["id"] = sample.EmployeeId,
                ["remote_id"] = "wd-" + sample.EmployeeId,
                ["first_name"] = "Ada",
                ["last_name"] = "Lovelace",
                ["work_email"] = sample.Email,
                ["employment_status"] = employmentStatus,
                ["start_date"] = "2026-01-05T00:00:00Z",
                ["termination_date"] = terminationDate,
                ["remote_was_deleted"] = remoteWasDeleted,
                ["modified_at"] = sample.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                ["groups"] = new JsonArray(
                    new JsonObject { ["id"] = "grp-team", ["name"] = "Platform", ["type"] = "TEAM" },
                    new JsonObject { ["id"] = "grp-dep", ["name"] = sample.Department, ["type"] = "DEPARTMENT" }),
            },
        }.ToJsonString();
    }

    /// <summary>The <c>X-Merge-Webhook-Signature</c> header: the base64url HMAC-SHA256 of the body.</summary>
    public static KeyValuePair<string, string> Sign(ReadOnlySpan<byte> body, string key) =>
        new(MergeVerifier.SignatureHeader, System.Buffers.Text.Base64Url.EncodeToString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), body)));
}

/// <summary>Where a sample Merge employee stands: <c>employment_status</c>, <c>remote_was_deleted</c>, <c>termination_date</c>.</summary>
public sealed record MergeEmployeeState(string EmploymentStatus = "ACTIVE", bool RemoteWasDeleted = false, string? TerminationDate = null);
