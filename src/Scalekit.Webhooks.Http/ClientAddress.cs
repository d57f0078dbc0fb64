using System.Net;
using Microsoft.AspNetCore.Http;

namespace Scalekit.Webhooks.Http;

/// <summary>
/// The address a request came from, as the refusal throttle and the audit trail see it. By default (and in Azure) it is
/// the connection's address: the Functions worker has already applied the <c>X-Forwarded-For</c> value the Functions
/// host wrote (docs/privacy.md). Behind a reverse proxy of one's own, <c>forwardedForHops</c> picks the entry that proxy
/// appended, counted from the right; entries a sender wrote stand to the left of it and are never read.
/// </summary>
public static class ClientAddress
{
    /// <summary>The address as text for the audit trail ("unknown" when there is none); IPv4-mapped IPv6 reads as IPv4.</summary>
    public static string Of(HttpContext context, int forwardedForHops) =>
        AddressOf(context, forwardedForHops)?.ToString() ?? "unknown";

    /// <summary>The address, or null when neither the header nor the connection gives one.</summary>
    public static IPAddress? AddressOf(HttpContext context, int forwardedForHops)
    {
        ArgumentNullException.ThrowIfNull(context);
        var address = context.Connection.RemoteIpAddress;
        if (forwardedForHops > 0 && context.Request.Headers.TryGetValue("X-Forwarded-For", out var values))
        {
            var entries = values.SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
            if (entries.Count >= forwardedForHops)
            {
                address = Parse(entries[^forwardedForHops]);
            }
        }

        return address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;
    }

    // "203.0.113.7:51234" and "[2001:db8::1]:443" count as their address; anything unparsable has none.
    private static IPAddress? Parse(string entry) =>
        IPEndPoint.TryParse(entry, out var endpoint) ? endpoint.Address : null;
}
