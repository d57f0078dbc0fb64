using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Scalekit.Webhooks.Hr.Providers.BambooHr;

/// <summary>Deliveries shaped and signed as BambooHR sends them, and its API's employee answer, for the CLI and tests.</summary>
public static class BambooHrSamples
{
    public static HrDeliverySamples Deliveries { get; } = new()
    {
        Types = BambooHrPayload.Types,
        Body = (sample, connection) => Encoding.UTF8.GetBytes(Event(sample.Type, sample.EmployeeId, connection.Field(BambooHrProvider.CompanyId) ?? "12345", sample.OccurredAt)),
        Sign = (body, key, now) => Sign(body, key, now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
    };

    /// <summary>An event-based delivery: ids only.</summary>
    public static string Event(string type, string employeeId, string companyId, DateTimeOffset at) => new JsonObject
    {
        ["type"] = type,
        ["timestamp"] = Timestamp(at),
        ["data"] = type == BambooHrPayload.Updated
            ? new JsonObject { ["companyId"] = companyId, ["employeeId"] = employeeId, ["changedFields"] = new JsonArray("department") }
            : new JsonObject { ["companyId"] = companyId, ["employeeId"] = employeeId },
    }.ToJsonString();

    /// <summary>A field-based ("global") delivery about several employees.</summary>
    public static string FieldBased(DateTimeOffset at, params (string EmployeeId, string Action)[] employees) => new JsonObject
    {
        ["employees"] = new JsonArray([.. employees.Select(employee => (JsonNode)new JsonObject
        {
            ["id"] = employee.EmployeeId,
            ["action"] = employee.Action,
            ["changedFields"] = new JsonArray("Department"),
            ["fields"] = new JsonObject { ["Department"] = "Engineering" },
            ["timestamp"] = Timestamp(at),
        })]),
    }.ToJsonString();

    /// <summary>The answer to <c>GET …/v1/employees/{id}?fields=…</c>.</summary>
    public static JsonObject Employee(HrSample sample, string status = "Active", string? employmentHistoryStatus = null, string? terminationDate = null)
    {
        ArgumentNullException.ThrowIfNull(sample);
        return new JsonObject
        {
            ["id"] = sample.EmployeeId,
            ["workEmail"] = sample.Email,
            ["firstName"] = "Ada",
            ["lastName"] = "Lovelace",
            ["department"] = sample.Department,
            ["jobTitle"] = "Staff Engineer",
            ["status"] = status,
            ["hireDate"] = "2026-01-05",
            ["terminationDate"] = terminationDate ?? "0000-00-00",
            ["employmentHistoryStatus"] = employmentHistoryStatus ?? (status == "Active" ? "Full-Time" : "Terminated"),
        };
    }

    /// <summary>The signature headers: the lowercase hex HMAC-SHA256 of the body followed by the timestamp text, keyed with the webhook's private key.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Sign(ReadOnlySpan<byte> body, string privateKey, string timestamp)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(privateKey));
        hmac.AppendData(body);
        hmac.AppendData(Encoding.UTF8.GetBytes(timestamp));
        return
        [
            new(BambooHrVerifier.TimestampHeader, timestamp),
            new(BambooHrVerifier.SignatureHeader, Convert.ToHexStringLower(hmac.GetHashAndReset())),
        ];
    }

    private static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'+0000'", CultureInfo.InvariantCulture);
}
