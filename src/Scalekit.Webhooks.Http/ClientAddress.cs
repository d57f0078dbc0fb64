using System.Net;
using Microsoft.AspNetCore.Http;

namespace Scalekit.Webhooks.Http;

/// <summary>
/// The address a delivery came from, as the refusal throttle counts it. Behind a front end (Azure) it is the entry that
/// front end appended to <c>X-Forwarded-For</c>, counted from the right; entries a sender wrote into the header itself
/// stand to the left of it and are never read. Without hops it is the connection's own address.
/// </summary>
public static class ClientAddress
{
    public static string Of(HttpContext context, int forwardedForHops)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (forwardedForHops > 0 && context.Request.Headers.TryGetValue("X-Forwarded-For", out var values))
        {
            var entries = values.SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
            if (entries.Count >= forwardedForHops)
            {
                return Normalize(entries[^forwardedForHops]);
            }
        }

        return context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }

    // "203.0.113.7:51234" and "[2001:db8::1]:443" count as their address; anything unparsable counts as itself.
    private static string Normalize(string entry) =>
        IPEndPoint.TryParse(entry, out var endpoint) ? endpoint.Address.ToString() : entry;
}
