using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Operations;
using Scalekit.Webhooks.Privacy;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Http;

/// <summary>The operations API, one method per route; both hosts call these after their own key check.</summary>
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
        ReplayOneAsync(context, source, eventId, "dead letter", "replay", replay.ReplayDeadLetterAsync);

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
        ReplayOneAsync(context, source, eventId, "event", "forced-replay", replay.ReplayEventAsync);

    /// <summary>Replays one <paramref name="kind"/> (a dead letter, or any event from the log), records it in the audit trail and answers.</summary>
    private async Task ReplayOneAsync(HttpContext context, string source, string eventId, string kind, string action, Func<WebhookSource, string, CancellationToken, Task<ReplayOutcome>> run)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (await SourceAsync(context, source) is not { } parsed || !await RouteIdAsync(context, "eventId", eventId))
        {
            return;
        }

        var outcome = await run(parsed, eventId, context.RequestAborted);
        await audit.RecordAsync(context, action, $"{kind} {parsed.Name}/{eventId}", Describe(outcome));
        await ReplayResultAsync(context, outcome, source, eventId, kind);
    }

    public async Task OrganizationAsync(HttpContext context, string organizationId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var organization = await queries.OrganizationAsync(organizationId, context.RequestAborted);
        await (organization is null ? NotFoundAsync(context, $"no event has described organization {organizationId}") : JsonAsync(context, 200, organization));
    }

    public async Task DirectoryUsersAsync(HttpContext context, string organizationId)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (await PageSizeAsync(context) is not { } pageSize)
        {
            return;
        }

        await JsonAsync(context, 200, await queries.DirectoryUsersAsync(organizationId, pageSize, Text(context.Request.Query["continuationToken"]), context.RequestAborted));
    }

    public async Task MembersAsync(HttpContext context, string organizationId)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (await PageSizeAsync(context) is not { } pageSize)
        {
            return;
        }

        await JsonAsync(context, 200, await queries.MembersAsync(organizationId, pageSize, Text(context.Request.Query["continuationToken"]), context.RequestAborted));
    }

    public async Task EmployeesAsync(HttpContext context, string organizationId)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (await PageSizeAsync(context) is not { } pageSize)
        {
            return;
        }

        await JsonAsync(context, 200, await queries.EmployeesAsync(organizationId, pageSize, Text(context.Request.Query["continuationToken"]), context.RequestAborted));
    }

    public async Task CustomerAsync(HttpContext context, string customerId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var customer = await queries.CustomerAsync(customerId, context.RequestAborted);
        await (customer is null ? NotFoundAsync(context, $"no billing event has described customer {customerId}") : JsonAsync(context, 200, customer));
    }

    /// <summary>Lists organizations, paged, searched by <c>q</c> (name, id, external id or domain); <c>over_budget=true</c> lists those whose metadata is full.</summary>
    public async Task OrganizationsAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var query = context.Request.Query;
        if (query.ContainsKey("over_budget"))
        {
            if (!string.Equals(Text(query["over_budget"]), "true", StringComparison.OrdinalIgnoreCase))
            {
                await BadQueryAsync(context, "over_budget", "must be true: it lists organizations whose metadata has no room for billing's keys.");
                return;
            }

            await JsonAsync(context, 200, await queries.OverBudgetOrganizationsAsync(context.RequestAborted));
            return;
        }

        if (await PageSizeAsync(context) is not { } pageSize || await SearchTextAsync(context) is not { } text)
        {
            return;
        }

        await JsonAsync(context, 200, await queries.OrganizationsAsync(text.Length == 0 ? null : text, pageSize, Text(query["continuationToken"]), context.RequestAborted));
    }

    /// <summary>Lists Stripe customers known from billing events, paged, searched by <c>q</c> (customer id, organization id, or part of an email).</summary>
    public async Task CustomersAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (await PageSizeAsync(context) is not { } pageSize || await SearchTextAsync(context) is not { } text)
        {
            return;
        }

        await JsonAsync(context, 200, await queries.CustomersAsync(text.Length == 0 ? null : text, pageSize, Text(context.Request.Query["continuationToken"]), context.RequestAborted));
    }

    /// <summary>The <c>q</c> search text, trimmed (empty when absent); null once answered 400 naming it.</summary>
    private static async Task<string?> SearchTextAsync(HttpContext context)
    {
        var text = context.Request.Query["q"].ToString().Trim();
        if (text.Length <= MaxSearchLength && !text.Any(char.IsControl))
        {
            return text;
        }

        await BadQueryAsync(context, "q", $"must be at most {MaxSearchLength} characters of text.");
        return null;
    }

    private const int MaxSearchLength = 200;

    /// <summary>Writes the customer's current billing state to its organization now, or looks for the organization again.</summary>
    public async Task SyncCustomerAsync(HttpContext context, string customerId)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!await RouteIdAsync(context, "customerId", customerId))
        {
            return;
        }

        SyncResult? result;
        try
        {
            result = await lateLinks.SyncNowAsync(customerId, context.RequestAborted);
        }
        catch (RowBusyException ex)
        {
            await audit.RecordAsync(context, "re-sync", $"customer {customerId}", "busy");
            await ProblemAsync(context, 409, "sync_busy", ex.Message);
            return;
        }

        await audit.RecordAsync(context, "re-sync", $"customer {customerId}", result is null ? "not found" : $"{result.Result}: {result.Detail}");
        if (result is null)
        {
            await NotFoundAsync(context, $"no billing event has described customer {customerId}");
            return;
        }

        await JsonAsync(context, result.Result == SyncResults.Refused ? 409 : 200, new SyncResultView(customerId, result.Result, result.OrganizationId, result.Version, result.Detail));
    }

    /// <summary>
    /// Starts erasing one person's data: the body names exactly one of <c>email</c>, <c>user_id</c>,
    /// <c>directory_user_id</c>. Answers 202 with the job's status URL in <c>Location</c>; the audit entries record the
    /// kind of subject and the job, never the subject.
    /// </summary>
    public async Task ErasureAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var subjects = new List<(ErasureSubjectKind Kind, string Value)>();
        try
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            foreach (var (name, kind) in ErasureFields)
            {
                if (body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty(name, out var value)
                    && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString()))
                {
                    subjects.Add((kind, value.GetString()!.Trim()));
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            subjects.Clear();
        }

        if (subjects.Count != 1)
        {
            await ProblemAsync(context, 400, "bad_request", "Send a JSON object with exactly one of email, user_id or directory_user_id.");
            return;
        }

        var (subjectKind, subject) = subjects[0];
        var (address, keyFingerprint) = audit.CallerOf(context);
        var job = await erasures.StartAsync(subjectKind, subject, address, keyFingerprint, CancellationToken.None);
        await audit.RecordAsync(context, "erasure", $"job {job.Id} (by {subjectKind.Name()})", "queued");
        context.Response.Headers.Location = ErasureStatusUrl(job.Id);
        await JsonAsync(context, 202, ErasureView(job));
    }

    /// <summary>Where an erasure job stands: its state, what it erased per store, what it could not search.</summary>
    public async Task ErasureStatusAsync(HttpContext context, string jobId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var job = await erasures.FindAsync(jobId, context.RequestAborted);
        await (job is null ? NotFoundAsync(context, $"no erasure job {jobId}") : JsonAsync(context, 200, ErasureView(job)));
    }

    public static string ErasureStatusUrl(string jobId) => "/api/" + OpsRoutes.ErasureJob.Replace("{jobId}", Uri.EscapeDataString(jobId), StringComparison.Ordinal);

    private static ErasureJobView ErasureView(ErasureJob job) => new(
        job.Id, job.State.ToString().ToLowerInvariant(), job.Kind.Name(), job.CreatedAt, job.StartedAt, job.CompletedAt, job.DoneSteps, job.Counts,
        [.. job.NotSearched.Select(gap => new ErasureGapView(gap.Store, gap.Reason))], job.Attempts, job.LastError, ErasureStatusUrl(job.Id));

    /// <summary>The audit trail of changes made through the operations API, newest first (paged).</summary>
    public async Task AuditAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (await PageSizeAsync(context) is not { } pageSize)
        {
            return;
        }

        if (await AuditFilterAsync(context) is not { } filter)
        {
            return;
        }

        var page = await auditTrail.ListAsync(filter, pageSize, Text(context.Request.Query["continuationToken"]), context.RequestAborted);
        await JsonAsync(context, 200, new OpsPage<AuditEntryView>(
            [.. page.Entries.Select(entry => new AuditEntryView(entry.At, entry.Action, entry.Target, entry.Outcome, entry.CallerAddress, entry.KeyFingerprint))],
            page.ContinuationToken));
    }

    /// <summary><c>action</c>, <c>from</c> and <c>to</c> of the audit trail; null once answered 400 naming the parameter.</summary>
    private static async Task<AuditFilter?> AuditFilterAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var action = Text(query["action"]);
        if (action is not null && !AuditActionPattern().IsMatch(action))
        {
            await BadQueryAsync(context, "action", "must be an action name such as replay, re-sync or erasure (lower-case letters and '-', at most 40).");
            return null;
        }

        if (!TryParseTime(query["from"], out var from))
        {
            await BadQueryAsync(context, "from", "must be an ISO 8601 time, e.g. 2026-12-01T00:00:00Z.");
            return null;
        }

        if (!TryParseTime(query["to"], out var to))
        {
            await BadQueryAsync(context, "to", "must be an ISO 8601 time, e.g. 2026-12-02T00:00:00Z.");
            return null;
        }

        if (from is { } start && to is { } end && end <= start)
        {
            await BadQueryAsync(context, "to", "must be later than from.");
            return null;
        }

        return new AuditFilter(action, from, to);
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z][a-z-]{0,39}$")]
    private static partial System.Text.RegularExpressions.Regex AuditActionPattern();

    /// <summary>Writes the 401 both hosts answer to a missing or wrong key.</summary>
    public static Task UnauthorizedAsync(HttpContext context) =>
        ProblemAsync(context, 401, "unauthorized", $"Send the operations key in the {OpsKey.Header} header.");

    private static readonly (string Name, ErasureSubjectKind Kind)[] ErasureFields =
        [.. Enum.GetValues<ErasureSubjectKind>().Select(kind => (kind.Name(), kind))];

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
