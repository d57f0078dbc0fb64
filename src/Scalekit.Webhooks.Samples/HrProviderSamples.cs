using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Hr.Providers.BambooHr;
using Scalekit.Webhooks.Hr.Providers.HiBob;
using Scalekit.Webhooks.Hr.Providers.Merge;

namespace Scalekit.Webhooks.Samples;

/// <summary>Deliveries shaped as BambooHR, HiBob and Merge send them, and their APIs' employee answers.</summary>
public static class HrProviderSamples
{
    public static IReadOnlyList<string> BambooHrTypes { get; } = [BambooHrPayload.Created, BambooHrPayload.Updated, BambooHrPayload.Deleted];

    public static IReadOnlyList<string> HiBobTypes => HiBobPayload.Types;

    public static IReadOnlyList<string> MergeTypes { get; } = ["Employee.added", "Employee.changed", "Employee.removed"];

    /// <summary>A BambooHR event-based delivery: ids only.</summary>
    public static string BambooHrEvent(string type, string employeeId, string companyId, DateTimeOffset at) => new JsonObject
    {
        ["type"] = type,
        ["timestamp"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'+0000'", CultureInfo.InvariantCulture),
        ["data"] = type == BambooHrPayload.Updated
            ? new JsonObject { ["companyId"] = companyId, ["employeeId"] = employeeId, ["changedFields"] = new JsonArray("department") }
            : new JsonObject { ["companyId"] = companyId, ["employeeId"] = employeeId },
    }.ToJsonString();

    /// <summary>A BambooHR field-based ("global") delivery about several employees.</summary>
    public static string BambooHrFieldBased(DateTimeOffset at, params (string EmployeeId, string Action)[] employees) => new JsonObject
    {
        ["employees"] = new JsonArray([.. employees.Select(employee => (JsonNode)new JsonObject
        {
            ["id"] = employee.EmployeeId,
            ["action"] = employee.Action,
            ["changedFields"] = new JsonArray("Department"),
            ["fields"] = new JsonObject { ["Department"] = "Engineering" },
            ["timestamp"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'+0000'", CultureInfo.InvariantCulture),
        })]),
    }.ToJsonString();

    /// <summary>BambooHR's answer to <c>GET …/v1/employees/{id}?fields=…</c>.</summary>
    public static JsonObject BambooHrEmployee(SampleOptions options, string status = "Active", string? employmentHistoryStatus = null, string? terminationDate = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new JsonObject
        {
            ["id"] = options.EmployeeId,
            ["workEmail"] = options.Email,
            ["firstName"] = "Ada",
            ["lastName"] = "Lovelace",
            ["department"] = options.Department,
            ["jobTitle"] = "Staff Engineer",
            ["status"] = status,
            ["hireDate"] = "2026-01-05",
            ["terminationDate"] = terminationDate ?? "0000-00-00",
            ["employmentHistoryStatus"] = employmentHistoryStatus ?? (status == "Active" ? "Full-Time" : "Terminated"),
        };
    }

    /// <summary>A HiBob v2 delivery: ids only.</summary>
    public static string HiBobEvent(string type, string employeeId, string companyId, DateTimeOffset at) => new JsonObject
    {
        ["companyId"] = long.Parse(companyId, CultureInfo.InvariantCulture),
        ["type"] = type,
        ["triggeredBy"] = "3332883884017713238",
        ["triggeredAt"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
        ["version"] = "v2",
        ["data"] = new JsonObject { ["employeeId"] = employeeId },
    }.ToJsonString();

    /// <summary>HiBob's answer to <c>POST /v1/people/{id}</c> with human-readable values.</summary>
    public static JsonObject HiBobEmployee(SampleOptions options, string lifecycleStatus = "Employed")
    {
        ArgumentNullException.ThrowIfNull(options);
        return new JsonObject
        {
            ["id"] = options.EmployeeId,
            ["email"] = options.Email,
            ["firstName"] = "Ada",
            ["surname"] = "Lovelace",
            ["work"] = new JsonObject { ["department"] = options.Department, ["title"] = "Staff Engineer", ["startDate"] = "2026-01-05" },
            ["internal"] = new JsonObject { ["lifecycleStatus"] = lifecycleStatus, ["status"] = lifecycleStatus == "Terminated" ? "Inactive" : "Active" },
        };
    }

    /// <summary>A Merge HRIS delivery carrying the whole Employee.</summary>
    public static string MergeEvent(string hookEvent, string? endUserOriginId, SampleOptions options, string employmentStatus = "ACTIVE", bool remoteWasDeleted = false, string? terminationDate = null)
    {
        ArgumentNullException.ThrowIfNull(options);
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
                ["id"] = options.EmployeeId,
                ["remote_id"] = "wd-" + options.EmployeeId,
                ["first_name"] = "Ada",
                ["last_name"] = "Lovelace",
                ["work_email"] = options.Email,
                ["employment_status"] = employmentStatus,
                ["start_date"] = "2026-01-05T00:00:00Z",
                ["termination_date"] = terminationDate,
                ["remote_was_deleted"] = remoteWasDeleted,
                ["modified_at"] = options.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                ["groups"] = new JsonArray(
                    new JsonObject { ["id"] = "grp-team", ["name"] = "Platform", ["type"] = "TEAM" },
                    new JsonObject { ["id"] = "grp-dep", ["name"] = options.Department, ["type"] = "DEPARTMENT" }),
            },
        }.ToJsonString();
    }

    /// <summary>The route id every Merge delivery is posted to.</summary>
    public const string MergeRoute = MergeProvider.Route;

    /// <summary>The type that makes a HiBob sample its webhook's <c>Ping test</c>.</summary>
    public const string HiBobPing = "ping";

    /// <summary>
    /// A delivery of <paramref name="provider"/> for connection <paramref name="connection"/>, shaped and signed as that
    /// system sends it: the route id to post to (<c>/api/webhooks/hr/{route}</c>), the body and the signature headers.
    /// </summary>
    /// <param name="provider">The connection's HR system.</param>
    /// <param name="connection">The connection's id.</param>
    /// <param name="type">The provider's event type (see <see cref="TypesOf"/>).</param>
    /// <param name="options">The employee's values.</param>
    /// <param name="companyId">The company id the connection expects (BambooHR, HiBob), or null for a default.</param>
    /// <param name="endUserOriginId">The connection's Merge origin.</param>
    /// <param name="secret">The key the provider signs with (webhook key; Merge's app-wide signature key).</param>
    /// <param name="now">The signing time.</param>
    public static (string Route, byte[] Body, IReadOnlyList<KeyValuePair<string, string>> Headers) Delivery(
        HrProvider provider, string connection, string type, SampleOptions options, string? companyId, string? endUserOriginId, string secret, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(options);
        switch (provider)
        {
            case HrProvider.BambooHr:
            {
                var body = Encoding.UTF8.GetBytes(BambooHrEvent(type, options.EmployeeId, companyId ?? "12345", options.OccurredAt));
                return (connection, body, WebhookSigner.SignBambooHr(body, secret, now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
            }

            case HrProvider.HiBob:
            {
                var body = Encoding.UTF8.GetBytes(type == HiBobPing ? "Ping test" : HiBobEvent(type, options.EmployeeId, companyId ?? "637323", options.OccurredAt));
                return (connection, body, [WebhookSigner.SignHiBob(body, secret)]);
            }

            case HrProvider.Merge:
            {
                var body = Encoding.UTF8.GetBytes(MergeEvent(type, endUserOriginId, options));
                return (MergeRoute, body, [WebhookSigner.SignMerge(body, secret)]);
            }

            default:
            {
                var body = Encoding.UTF8.GetBytes(HrSamples.Create(type, options).ToJsonString());
                return (connection, body, WebhookSigner.SignScalekit(body, secret, SampleIds.New("msg_"), now));
            }
        }
    }

    /// <summary>The sample types of <paramref name="provider"/>'s deliveries.</summary>
    public static IReadOnlyList<string> TypesOf(HrProvider provider) => provider switch
    {
        HrProvider.BambooHr => BambooHrTypes,
        HrProvider.HiBob => [.. HiBobTypes, HiBobPing],
        HrProvider.Merge => MergeTypes,
        _ => HrSamples.Types,
    };
}
