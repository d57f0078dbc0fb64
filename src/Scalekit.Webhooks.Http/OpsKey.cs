using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Scalekit.Webhooks.Http;

/// <summary>
/// The local host's stand-in for Azure Functions' function keys: the <c>ADMIN_API_KEY</c> setting, sent as the
/// <c>x-functions-key</c> header only (a key in a URL ends up in logs, histories and referrers), compared in constant time.
/// </summary>
public static class OpsKey
{
    public const string Setting = "ADMIN_API_KEY";
    public const string Header = "x-functions-key";

    public static bool IsAuthorized(HttpRequest request, string? configuredKey)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(configuredKey))
        {
            return false;
        }

        var presented = Presented(request);
        if (string.IsNullOrEmpty(presented))
        {
            return false;
        }

        // Hashing first gives equal lengths, so the comparison time says nothing about the key.
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(configuredKey)));
    }

    /// <summary>The key the caller sent, or null.</summary>
    public static string? Presented(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Headers.TryGetValue(Header, out var header) ? header.ToString() : null;
    }
}
