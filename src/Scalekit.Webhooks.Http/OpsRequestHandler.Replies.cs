using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Operations;
using Scalekit.Webhooks.Processing;

namespace Scalekit.Webhooks.Http;

/// <summary>
/// How every operations route reads its query (each bad parameter answered 400 naming it) and writes its answer:
/// JSON, or an RFC 9457 problem, with the operations headers.
/// </summary>
public sealed partial class OpsRequestHandler
{
    private static async Task<WebhookSource?> SourceAsync(HttpContext context, string source)
    {
        if (EventSources.TryParse(source, out var parsed))
        {
            return parsed;
        }

        await ProblemAsync(context, 400, "bad_request", $"source: unknown source '{source}': use {EventSources.Names}.");
        return null;
    }

    /// <summary>The source a query filters by (null: every source), or false once an unknown name was answered 400.</summary>
    private static async Task<(bool Known, WebhookSource? Source)> SourceFilterAsync(HttpContext context, string? name) =>
        name is null ? (true, null) : await SourceAsync(context, name) is { } parsed ? (true, parsed) : (false, null);

    private static Task NotFoundAsync(HttpContext context, string detail) => ProblemAsync(context, 404, "not_found", detail);

    private static Task ProblemAsync(HttpContext context, int status, string reason, string detail)
    {
        context.Response.ContentType = "application/problem+json";
        return WriteAsync(context, status, new ProblemView("urn:scalekit-functions:problem:" + reason.Replace('_', '-'), reason.Replace('_', ' '), status, detail, reason));
    }

    private static Task JsonAsync<T>(HttpContext context, int status, T body)
    {
        context.Response.ContentType = "application/json";
        return WriteAsync(context, status, body);
    }

    private static async Task WriteAsync<T>(HttpContext context, int status, T body)
    {
        OpsResponseHeaders.Apply(context.Response);
        context.Response.StatusCode = status;
        await context.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(body, OpsJson.Options), context.RequestAborted);
    }

    private static string? Text(Microsoft.Extensions.Primitives.StringValues value) => string.IsNullOrWhiteSpace(value) ? null : value.ToString();

    /// <summary>Answers 400 naming the query parameter <paramref name="name"/> and what it must be.</summary>
    internal static Task BadQueryAsync(HttpContext context, string name, string rule) =>
        ProblemAsync(context, 400, "bad_request", $"Query parameter {name} {rule}");

    /// <summary><c>pageSize</c>, default <see cref="OpsQueries.DefaultPageSize"/>; null once anything else was answered 400.</summary>
    internal static async Task<int?> PageSizeAsync(HttpContext context)
    {
        var text = context.Request.Query["pageSize"];
        if (string.IsNullOrWhiteSpace(text))
        {
            return OpsQueries.DefaultPageSize;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size is >= 1 and <= OpsQueries.MaxPageSize)
        {
            return size;
        }

        await BadQueryAsync(context, "pageSize", $"must be a whole number from 1 to {OpsQueries.MaxPageSize}.");
        return null;
    }

    /// <summary>A <c>true</c>/<c>false</c> query parameter (<paramref name="fallback"/> when absent); null once anything else was answered 400.</summary>
    private static async Task<bool?> FlagAsync(HttpContext context, string name, bool fallback)
    {
        var text = Text(context.Request.Query[name]);
        if (text is null)
        {
            return fallback;
        }

        if (bool.TryParse(text, out var flag))
        {
            return flag;
        }

        await BadQueryAsync(context, name, "must be true or false.");
        return null;
    }

    private static async Task<bool> StatusFilterAsync(HttpContext context, string? status)
    {
        if (status is null || ProcessingStatusNames.Parse(status) is not null)
        {
            return true;
        }

        await BadQueryAsync(context, "status", $"must be one of {string.Join(", ", Enum.GetValues<ProcessingStatus>().Select(s => s.Name()))}.");
        return false;
    }

    /// <summary>
    /// False, once answered 400 naming <paramref name="name"/>, for an id that is empty, <c>.</c> or <c>..</c>: such an id
    /// can reach an outbound URL path (a customer's organization lookup), where it would name another route.
    /// </summary>
    private static async Task<bool> RouteIdAsync(HttpContext context, string name, string? id)
    {
        if (Hosting.UrlPathSegment.IsUsable(id))
        {
            return true;
        }

        await ProblemAsync(context, 400, "bad_request", $"Route parameter {name} must not be empty, '.' or '..'.");
        return false;
    }

    private static bool TryParseTime(Microsoft.Extensions.Primitives.StringValues value, out DateTimeOffset? time)
    {
        time = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            time = parsed;
            return true;
        }

        return false;
    }

    /// <summary>Accepts seconds ("3600") or a number with m, h or d ("15m", "24h", "7d"); default 24 hours.</summary>
    public static bool TryParseWindow(string? text, out TimeSpan window)
    {
        window = TimeSpan.FromHours(24);
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        var unit = char.ToLowerInvariant(text[^1]);
        var number = char.IsAsciiDigit(unit) ? text : text[..^1];
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value <= 0 || value > 366 * 86_400)
        {
            return false;
        }

        window = unit switch
        {
            'm' => TimeSpan.FromMinutes(value),
            'h' => TimeSpan.FromHours(value),
            'd' => TimeSpan.FromDays(value),
            _ when char.IsAsciiDigit(unit) => TimeSpan.FromSeconds(value),
            _ => TimeSpan.Zero,
        };
        return window > TimeSpan.Zero && window <= TimeSpan.FromDays(366);
    }
}
