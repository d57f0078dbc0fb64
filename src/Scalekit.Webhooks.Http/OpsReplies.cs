using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Scalekit.Webhooks.Http;

/// <summary>How the onboarding and recovery handlers answer: JSON or an RFC 9457 problem, with the operations headers.</summary>
internal static class OpsReplies
{
    /// <summary>A problem; <paramref name="field"/> names the request field it is about, when there is one.</summary>
    public static Task ProblemAsync(HttpContext context, int status, string reason, string detail, string? field)
    {
        var body = new JsonObject
        {
            ["type"] = "urn:scalekit-functions:problem:" + reason.Replace('_', '-'),
            ["title"] = reason.Replace('_', ' '),
            ["status"] = status,
            ["detail"] = detail,
            ["reason"] = reason,
        };
        if (field is not null)
        {
            body["field"] = field;
        }

        return WriteAsync(context, status, "application/problem+json", body);
    }

    public static Task JsonAsync(HttpContext context, int status, JsonNode body) => WriteAsync(context, status, "application/json", body);

    private static async Task WriteAsync(HttpContext context, int status, string contentType, JsonNode body)
    {
        OpsResponseHeaders.Apply(context.Response);
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        await context.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(body), context.RequestAborted);
    }
}
