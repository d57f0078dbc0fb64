using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Hr.Providers.HiBob;

/// <summary>
/// HiBob's v2 envelope, <c>{"companyId":637323,"type":"employee.joined","triggeredAt":…,"data":{"employeeId":…}}</c>
/// (<c>triggeredAt</c> has no zone: UTC), and its <c>Ping test</c> sent when a webhook is created.
/// </summary>
public static class HiBobPayload
{
    public static IReadOnlyList<string> Types { get; } =
        ["employee.created", "employee.updated", "employee.deleted", "employee.joined", "employee.activated", "employee.inactivated", "employee.left"];

    /// <summary>The event of a verified delivery, a ping, or why it is refused.</summary>
    public static ConnectionDelivery Read(HrConnection connection, ReadOnlyMemory<byte> body)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (IsPing(body.Span))
        {
            return ConnectionDelivery.Ping;
        }

        using var document = ProviderJson.Object(body);
        if (document is null)
        {
            return ConnectionDelivery.Refused("The HiBob delivery is not a JSON object.");
        }

        var root = document.RootElement;
        if (ProviderJson.Text(root, "text") == "Ping test")
        {
            return ConnectionDelivery.Ping;
        }

        if (ProviderJson.Text(root, "companyId") != connection.Field(HiBobProvider.CompanyId))
        {
            return ConnectionDelivery.Refused($"companyId is not the company of connection {connection.Id} (its {HiBobProvider.CompanyId}); each HiBob company posts to its own connection.");
        }

        var type = ProviderJson.Text(root, "type");
        if (type is null || !Types.Contains(type))
        {
            return ConnectionDelivery.Refused($"type must be one of {string.Join(", ", Types)} (subscribe the HiBob webhook to employee events only).");
        }

        if (ProviderJson.Text(root, "data", "employeeId") is not { Length: <= ProviderJson.MaxIdLength } employeeId)
        {
            return ConnectionDelivery.Refused($"data.employeeId is required: the id of the HiBob employee (at most {ProviderJson.MaxIdLength} characters).");
        }

        var at = ProviderJson.Time(ProviderJson.Text(root, "triggeredAt"));
        return ConnectionDelivery.Of([new ConnectionEvent(connection.Id, ProviderJson.ContentId(HiBobProvider.Profile.Name, body.Span), type, at, employeeId, body)]);
    }

    /// <summary>The employee and type a stored event names, or false when it names none.</summary>
    public static bool TryReadThin(ReadOnlyMemory<byte> payload, out string employeeId, out string type, out DateTimeOffset? at)
    {
        using var document = ProviderJson.Object(payload);
        var root = document?.RootElement ?? default;
        employeeId = document is null ? string.Empty : ProviderJson.Text(root, "data", "employeeId") ?? string.Empty;
        type = document is null ? string.Empty : ProviderJson.Text(root, "type") ?? string.Empty;
        at = document is null ? null : ProviderJson.Time(ProviderJson.Text(root, "triggeredAt"));
        return employeeId.Length > 0 && Types.Contains(type);
    }

    /// <summary>The text HiBob posts when a webhook is created (plain, or as <c>{"text":"Ping test"}</c>).</summary>
    public static bool IsPing(ReadOnlySpan<byte> body)
    {
        var trimmed = body.Trim(" \r\n\t"u8);
        return trimmed.SequenceEqual("Ping test"u8) || trimmed.SequenceEqual("{\"text\":\"Ping test\"}"u8);
    }
}
