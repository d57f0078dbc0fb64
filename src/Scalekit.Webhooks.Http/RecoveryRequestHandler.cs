using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Scalekit.Webhooks.Operations;
using Scalekit.Webhooks.Stripe.Recovery;

namespace Scalekit.Webhooks.Http;

/// <summary>
/// <c>GET /api/ops/reconcile/{id}</c>: one recovery run of missed Stripe events: where it stands, the window it lists,
/// its counts and its last error.
/// </summary>
public sealed record RecoveryRunView(
    string Id,
    string Source,
    string State,
    DateTimeOffset Since,
    string Trigger,
    int Pages,
    int Listed,
    int AlreadyKnown,
    int Queued,
    int Failed,
    string? LastError,
    DateTimeOffset StartedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? CompletedAt,
    string StatusUrl);

/// <summary>The recovery routes of the operations API: start a recovery of missed Stripe events, and read a run.</summary>
public sealed class RecoveryRequestHandler(StripeEventRecovery recovery, OpsAudit audit)
{
    private const int MaxBodyBytes = 4 * 1024;

    /// <summary>
    /// Starts a recovery over the events created since the body's <c>since</c>: 202 with its status URL in
    /// <c>Location</c>; 400 naming <c>since</c> when it is missing, unreadable, more than 30 days back or in the
    /// future; 503 naming the setting when Stripe API access is not configured.
    /// </summary>
    public async Task StartStripeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            await OpsReplies.ProblemAsync(context, 413, "body_too_large", $"The request body may hold at most {MaxBodyBytes} bytes.", null);
            return;
        }

        DateTimeOffset since;
        try
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            if (!TrySince(body.RootElement, out since))
            {
                await OpsReplies.ProblemAsync(context, 400, "bad_request", "since must be an ISO 8601 time with its offset, e.g. 2026-12-01T00:00:00Z.", "since");
                return;
            }
        }
        catch (JsonException)
        {
            await OpsReplies.ProblemAsync(context, 400, "bad_request", "The body must be a JSON object with since (an ISO 8601 time).", "since");
            return;
        }

        var start = await recovery.StartAsync(since, "ops", context.RequestAborted);
        if (start.Run is not { } run)
        {
            if (start.IsConfigured)
            {
                await OpsReplies.ProblemAsync(context, 400, "bad_request", start.Problem!, "since");
            }
            else
            {
                await OpsReplies.ProblemAsync(context, 503, "not_configured", start.Problem!, null);
            }

            return;
        }

        await audit.RecordAsync(context, "reconcile", $"Stripe events since {since.ToString("O", CultureInfo.InvariantCulture)} (run {run.Id})", "started");
        context.Response.Headers.Location = StatusUrl(run.Id);
        await OpsReplies.JsonAsync(context, 202, JsonSerializer.SerializeToNode(ToView(run), OpsJson.Options)!);
    }

    /// <summary>Where a recovery run stands.</summary>
    public async Task StatusAsync(HttpContext context, string id)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (await recovery.GetAsync(id, context.RequestAborted) is not { } run)
        {
            await OpsReplies.ProblemAsync(context, 404, "not_found", $"no recovery run {id}", null);
            return;
        }

        await OpsReplies.JsonAsync(context, 200, JsonSerializer.SerializeToNode(ToView(run), OpsJson.Options)!);
    }

    public static string StatusUrl(string id) => "/api/" + OpsRoutes.Reconcile.Replace("{id}", Uri.EscapeDataString(id), StringComparison.Ordinal);

    private static RecoveryRunView ToView(RecoveryRun run) => new(
        run.Id, Stripe.StripeSource.Name, run.State, run.Since, run.Trigger, run.Pages, run.Listed, run.AlreadyKnown, run.Queued, run.Failed,
        run.LastError, run.StartedAt, run.UpdatedAt, run.CompletedAt, StatusUrl(run.Id));

    /// <summary>A string <c>since</c> with an explicit offset (a time without one would be read in the server's zone).</summary>
    private static bool TrySince(JsonElement body, out DateTimeOffset since)
    {
        since = default;
        return body.ValueKind == JsonValueKind.Object
            && body.TryGetProperty("since", out var value) && value.ValueKind == JsonValueKind.String
            && value.GetString() is { Length: > 10 } text
            && (text.EndsWith('Z') || text.EndsWith('z') || text[^6] is '+' or '-')
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out since);
    }
}
