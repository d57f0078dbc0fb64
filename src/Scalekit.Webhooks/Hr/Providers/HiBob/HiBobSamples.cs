using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Scalekit.Webhooks.Hr.Providers.HiBob;

/// <summary>Deliveries shaped and signed as HiBob sends them, its ping, and its API's employee answer, for the CLI and tests.</summary>
public static class HiBobSamples
{
    /// <summary>The sample type that is the webhook's <c>Ping test</c>.</summary>
    public const string Ping = "ping";

    public static HrDeliverySamples Deliveries { get; } = new()
    {
        Types = [.. HiBobPayload.Types, Ping],
        Body = (sample, connection) => Encoding.UTF8.GetBytes(sample.Type == Ping ? "Ping test" : Event(sample.Type, sample.EmployeeId, connection.Field(HiBobProvider.CompanyId) ?? "637323", sample.OccurredAt)),
        Sign = (body, secret, _) => [Sign(body, secret)],
    };

    /// <summary>A v2 delivery: ids only.</summary>
    public static string Event(string type, string employeeId, string companyId, DateTimeOffset at) => new JsonObject
    {
        ["companyId"] = long.Parse(companyId, CultureInfo.InvariantCulture),
        ["type"] = type,
        ["triggeredBy"] = "3332883884017713238",
        ["triggeredAt"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
        ["version"] = "v2",
        ["data"] = new JsonObject { ["employeeId"] = employeeId },
    }.ToJsonString();

    /// <summary>The answer to <c>POST /v1/people/{id}</c> with human-readable values.</summary>
    public static JsonObject Employee(HrSample sample, string lifecycleStatus = "Employed")
    {
        ArgumentNullException.ThrowIfNull(sample);
        return new JsonObject
        {
            ["id"] = sample.EmployeeId,
            ["email"] = sample.Email,
            ["firstName"] = "Ada",
            ["surname"] = "Lovelace",
            ["work"] = new JsonObject { ["department"] = sample.Department, ["title"] = "Staff Engineer", ["startDate"] = "2026-01-05" },
            ["internal"] = new JsonObject { ["lifecycleStatus"] = lifecycleStatus, ["status"] = lifecycleStatus == "Terminated" ? "Inactive" : "Active" },
        };
    }

    /// <summary>The <c>Bob-Signature</c> header: the base64 HMAC-SHA512 of the body.</summary>
    public static KeyValuePair<string, string> Sign(ReadOnlySpan<byte> body, string secret) =>
        new(HiBobVerifier.SignatureHeader, Convert.ToBase64String(HMACSHA512.HashData(Encoding.UTF8.GetBytes(secret), body)));
}
