using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Hr.Providers;
using Scalekit.Webhooks.Operations;

namespace Scalekit.Webhooks.Http;

/// <summary>
/// The list's answer: a page of connections, and on every page the figures of the providers' shared addresses, whose
/// refusals before a connection is chosen belong to no connection.
/// </summary>
public sealed record HrConnectionPage(IReadOnlyList<HrConnectionView> Items, string? ContinuationToken, IReadOnlyList<HrSharedRouteRefusals> SharedRoutes);

/// <summary>
/// The HR connection routes of the operations API: create, list, read, rotate and delete. Every change is audited
/// with the connection's id and provider, never a secret; a generic connection's signing secret is in the one answer
/// that made it and nowhere else.
/// </summary>
public sealed class HrConnectionsRequestHandler(HrConnectionAdmin admin, HrConnectionRefusals refusals, OpsAudit audit)
{
    private const int MaxBodyBytes = 8 * 1024;

    public async Task CreateAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (await FieldsAsync(context, requireBody: true) is not { } fields)
        {
            return;
        }

        var result = await admin.CreateAsync(fields, context.RequestAborted);
        var provider = fields.GetValueOrDefault(HrConnectionAdmin.ProviderField) ?? "unknown";
        await audit.RecordAsync(context, "hr-connection-create", result.Connection is { } made ? $"hr connection {made.Id} ({made.Provider}, {made.OrganizationId})" : $"hr connection ({provider})", Outcome(result, "created"));
        if (result.Connection is { } created)
        {
            context.Response.Headers.Location = ConnectionUrl(created.Id);
        }

        await AnswerAsync(context, result, 201);
    }

    public async Task ListAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var query = context.Request.Query;
        if (await OpsRequestHandler.PageSizeAsync(context) is not { } pageSize)
        {
            return;
        }

        var token = query["continuationToken"].ToString() is { Length: > 0 } given ? given : null;
        var sharedRoutes = refusals.ReadSharedRoutesAsync(context.RequestAborted);
        var (connections, next) = await admin.ListAsync(pageSize, token, context.RequestAborted);
        var items = new JsonArray([.. connections.Select(connection => (JsonNode?)ToJson(context, connection))]);
        await OpsReplies.JsonAsync(context, 200, new JsonObject
        {
            ["items"] = items,
            ["continuation_token"] = next,
            ["shared_routes"] = JsonSerializer.SerializeToNode(await sharedRoutes, OpsJson.Options),
        });
    }

    public async Task GetAsync(HttpContext context, string connectionId)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (await admin.GetAsync(connectionId, context.RequestAborted) is not { } connection)
        {
            await OpsReplies.ProblemAsync(context, 404, "not_found", $"no HR connection {connectionId}", null);
            return;
        }

        await OpsReplies.JsonAsync(context, 200, ToJson(context, connection));
    }

    public async Task RotateAsync(HttpContext context, string connectionId)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (await FieldsAsync(context, requireBody: false) is not { } fields)
        {
            return;
        }

        var result = await admin.RotateAsync(connectionId, fields, context.RequestAborted);
        await audit.RecordAsync(context, "hr-connection-rotate", $"hr connection {connectionId}", Outcome(result, "rotated"));
        await AnswerAsync(context, result, 200);
    }

    public async Task DeleteAsync(HttpContext context, string connectionId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var result = await admin.DeleteAsync(connectionId, context.RequestAborted);
        await audit.RecordAsync(context, "hr-connection-delete", $"hr connection {connectionId}", Outcome(result, "deleted"));
        if (result.Refusal is { } refusal)
        {
            await OpsReplies.ProblemAsync(context, refusal.Status, refusal.Reason, refusal.Detail, refusal.Field);
            return;
        }

        OpsResponseHeaders.Apply(context.Response);
        context.Response.StatusCode = 204;
    }

    /// <summary>The HR systems connections can be made to, with the fields each takes.</summary>
    public static Task ProvidersAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var page = new OpsPage<HrProviderView>([.. HrProviders.All.Select(HrProviderView.Of)], null);
        return OpsReplies.JsonAsync(context, 200, JsonSerializer.SerializeToNode(page, OpsJson.Options)!.AsObject());
    }

    public static string ConnectionUrl(string id) => "/api/" + OpsRoutes.HrConnection.Replace("{connectionId}", Uri.EscapeDataString(id), StringComparison.Ordinal);

    private static string Outcome(HrConnectionResult result, string done) => result.Refusal is { } refusal ? $"refused {refusal.Status} {refusal.Reason}" : done;

    private static Task AnswerAsync(HttpContext context, HrConnectionResult result, int status) => result.Refusal is { } refusal
        ? OpsReplies.ProblemAsync(context, refusal.Status, refusal.Reason, refusal.Detail, refusal.Field)
        : OpsReplies.JsonAsync(context, status, ToJson(context, result.Connection!));

    /// <summary>The view with the absolute <c>webhook_url</c> the customer's HR system posts to (this request's own host).</summary>
    private static JsonObject ToJson(HttpContext context, HrConnectionView view)
    {
        var json = JsonSerializer.SerializeToNode(view with { WebhookUrl = $"{context.Request.Scheme}://{context.Request.Host}{view.WebhookPath}" }, OpsJson.Options)!.AsObject();
        if (view.SigningSecret is null)
        {
            json.Remove("signing_secret");
        }

        return json;
    }

    /// <summary>The body's fields, every one a string; null once answered 400 (naming the field) or 413.</summary>
    private static async Task<IReadOnlyDictionary<string, string>?> FieldsAsync(HttpContext context, bool requireBody)
    {
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            await OpsReplies.ProblemAsync(context, 413, "body_too_large", $"The request body may hold at most {MaxBodyBytes} bytes.", null);
            return null;
        }

        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        if (buffer.Length > MaxBodyBytes)
        {
            await OpsReplies.ProblemAsync(context, 413, "body_too_large", $"The request body may hold at most {MaxBodyBytes} bytes.", null);
            return null;
        }

        if (buffer.Length == 0 && !requireBody)
        {
            return new Dictionary<string, string>();
        }

        try
        {
            using var body = JsonDocument.Parse(buffer.ToArray());
            if (body.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException();
            }

            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in body.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }

                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    await OpsReplies.ProblemAsync(context, 400, "bad_request", $"{property.Name} must be a string.", property.Name);
                    return null;
                }

                fields[property.Name] = property.Value.GetString()!;
            }

            return fields;
        }
        catch (JsonException)
        {
            await OpsReplies.ProblemAsync(context, 400, "bad_request", "The body must be a JSON object of string fields (organization_id, provider and the provider's fields; docs/hr.md).", null);
            return null;
        }
    }
}
