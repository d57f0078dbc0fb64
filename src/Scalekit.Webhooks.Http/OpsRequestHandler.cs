using Microsoft.AspNetCore.Http;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Operations;
using Scalekit.Webhooks.Privacy;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Http;

/// <summary>
/// The operations API, one method per route; both hosts call these after their own key check. This file holds the
/// event log and the dead letters; organizations and customers, erasure and the audit trail, and reading a query and
/// writing the answer each have a file of their own (<c>OpsRequestHandler.*.cs</c>).
/// </summary>
public sealed partial class OpsRequestHandler(
    OpsQueries queries,
    ManualReplay replay,
    LateLinkSync lateLinks,
    ErasureJobs erasures,
    AuditTrail auditTrail,
    OpsAudit audit)
{
    public async Task StatsAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!TryParseWindow(context.Request.Query["window"], out var window))
        {
            await BadQueryAsync(context, "window", "must be seconds or a number followed by m, h or d (e.g. 24h), at most 366 days.");
            return;
        }

        await JsonAsync(context, 200, await queries.StatsAsync(window, context.RequestAborted));
    }

    public async Task EventAsync(HttpContext context, string source, string eventId)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (await SourceAsync(context, source) is not { } parsed)
        {
            return;
        }

        var row = await queries.EventAsync(parsed, eventId, context.RequestAborted);
        await (row is null ? NotFoundAsync(context, $"no {source} event {eventId} in the event log") : JsonAsync(context, 200, row));
    }

    public async Task SearchEventsAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var query = context.Request.Query;
        if (!TryParseTime(query["from"], out var from) || !TryParseTime(query["to"], out var to))
        {
            await BadQueryAsync(context, TryParseTime(query["from"], out _) ? "to" : "from", "must be an ISO 8601 time (e.g. 2026-12-01T00:00:00Z).");
            return;
        }

        if (await SourceFilterAsync(context, Text(query["source"])) is not (true, _)
            || !await StatusFilterAsync(context, Text(query["status"]))
            || await PageSizeAsync(context) is not { } pageSize)
        {
            return;
        }

        var filter = new EventQuery(Text(query["source"]), Text(query["type"]), Text(query["status"]), from, to, Text(query["organizationId"]), Text(query["customerId"]));
        await JsonAsync(context, 200, await queries.SearchEventsAsync(filter, pageSize, Text(query["continuationToken"]), context.RequestAborted));
    }

    public async Task DeadLettersAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var query = context.Request.Query;
        if (await SourceFilterAsync(context, Text(query["source"])) is not (true, var source))
        {
            return;
        }

        DeadLetterStatus? status = null;
        if (Text(query["status"]) is { } statusName)
        {
            if (!DeadLetterStatuses.TryParse(statusName, out var parsed))
            {
                await BadQueryAsync(context, "status", $"must be one of {string.Join(", ", Enum.GetValues<DeadLetterStatus>().Select(s => s.Name()))}.");
                return;
            }

            status = parsed;
        }

        if (await PageSizeAsync(context) is not { } pageSize)
        {
            return;
        }

        await JsonAsync(context, 200, await queries.DeadLettersAsync(source, Text(query["type"]), status, pageSize, Text(query["continuationToken"]), context.RequestAborted));
    }

    public Task ReplayDeadLetterAsync(HttpContext context, string source, string eventId) =>
        ReplayOneAsync(context, source, eventId, new Replayable("dead letter", "replay", replay.ReplayDeadLetterAsync));

    public async Task ReplayDeadLettersAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var query = context.Request.Query;
        var source = Text(query["source"]);
        if (await SourceFilterAsync(context, source) is not (true, var parsedSource))
        {
            return;
        }

        if (await FlagAsync(context, "dryRun", fallback: true) is not { } dryRun)
        {
            return;
        }

        var count = await replay.ReplayDeadLettersAsync(parsedSource, Text(query["type"]), dryRun, context.RequestAborted);
        if (!dryRun)
        {
            await audit.RecordAsync(context, "bulk-replay", $"dead letters source={source ?? "any"} type={Text(query["type"]) ?? "any"}", $"replayed {count}");
        }

        await JsonAsync(context, dryRun ? 200 : 202, new BulkReplayView(
            dryRun, dryRun ? count : null, dryRun ? null : count, dryRun ? "Nothing was replayed. Send dryRun=false to replay these." : null));
    }

    public Task ReplayEventAsync(HttpContext context, string source, string eventId) =>
        ReplayOneAsync(context, source, eventId, new Replayable("event", "forced-replay", replay.ReplayEventAsync));

    /// <summary>Replays one <paramref name="what"/> (a dead letter, or any event from the log), records it in the audit trail and answers.</summary>
    private async Task ReplayOneAsync(HttpContext context, string source, string eventId, Replayable what)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (await SourceAsync(context, source) is not { } parsed || !await RouteIdAsync(context, "eventId", eventId))
        {
            return;
        }

        var outcome = await what.Run(parsed, eventId, context.RequestAborted);
        await audit.RecordAsync(context, what.AuditAction, $"{what.Kind} {parsed.Name}/{eventId}", Describe(outcome));
        await ReplayResultAsync(context, outcome, source, eventId, what.Kind);
    }

    /// <summary>Writes the 401 both hosts answer to a missing or wrong key.</summary>
    public static Task UnauthorizedAsync(HttpContext context) =>
        ProblemAsync(context, 401, "unauthorized", $"Send the operations key in the {OpsKey.Header} header.");

    private static string Describe(ReplayOutcome outcome) => outcome switch
    {
        ReplayOutcome.Replayed => "replayed",
        ReplayOutcome.NotFound => "not found",
        _ => "payload missing",
    };

    private static async Task ReplayResultAsync(HttpContext context, ReplayOutcome outcome, string source, string eventId, string kind)
    {
        switch (outcome)
        {
            case ReplayOutcome.Replayed:
                await JsonAsync(context, 202, new ReplayView("replayed", source, eventId));
                break;
            case ReplayOutcome.NotFound:
                await NotFoundAsync(context, $"no {source} {kind} {eventId}");
                break;
            default:
                await ProblemAsync(context, 409, "payload_missing", $"the {kind} {eventId} has no stored payload to replay");
                break;
        }
    }

    /// <summary>What a replay route replays: its kind as answers name it, its audit action, and the core call.</summary>
    private sealed record Replayable(string Kind, string AuditAction, Func<WebhookSource, string, CancellationToken, Task<ReplayOutcome>> Run);
}
