using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;

namespace Scalekit.Webhooks.Http;

/// <summary>
/// Serves the operations console: a static page and its script and stylesheet, embedded in this assembly. The page
/// itself needs no key (it holds no data); every API call it makes sends the key in the <c>x-functions-key</c> header.
/// </summary>
public static class ConsoleRequestHandler
{
    /// <summary>Where the page is, below the host's address (the <see cref="OpsRoutes.Console"/> route without a file).</summary>
    public const string PagePath = "/api/ops/console";

    /// <summary>No inline script or style, nothing from another origin, no framing, no form posts anywhere.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>A year of https only for the console's host (no subdomains: the app's host is not the operator's to bind).</summary>
    public const string StrictTransportSecurity = "max-age=31536000";

    private static readonly FrozenDictionary<string, ConsoleFile> Files = new Dictionary<string, ConsoleFile>(StringComparer.Ordinal)
    {
        [string.Empty] = Load("index.html", "text/html; charset=utf-8"),
        ["console.js"] = Load("console.js", "text/javascript; charset=utf-8"),
        ["console.css"] = Load("console.css", "text/css; charset=utf-8"),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <param name="context">The request.</param>
    /// <param name="asset">The file below the console route, or null or empty for the page.</param>
    public static async Task HandleAsync(HttpContext context, string? asset)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        OpsResponseHeaders.Apply(response);
        // Browsers ignore it over plain http (the local host on loopback), so it is sent everywhere and binds only on https.
        headers.StrictTransportSecurity = StrictTransportSecurity;
        if (!Files.TryGetValue(asset ?? string.Empty, out var file))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            response.ContentType = "text/plain; charset=utf-8";
            await response.WriteAsync("Not found.", context.RequestAborted);
            return;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = file.ContentType;
        response.ContentLength = file.Body.Length;
        await response.Body.WriteAsync(file.Body, context.RequestAborted);
    }

    private static ConsoleFile Load(string name, string contentType)
    {
        using var stream = typeof(ConsoleRequestHandler).Assembly.GetManifestResourceStream("Console/" + name)
            ?? throw new InvalidOperationException($"The console file {name} is not embedded in {typeof(ConsoleRequestHandler).Assembly.GetName().Name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var body = copy.ToArray();
        return new ConsoleFile(body, contentType);
    }

    private sealed record ConsoleFile(byte[] Body, string ContentType);
}
