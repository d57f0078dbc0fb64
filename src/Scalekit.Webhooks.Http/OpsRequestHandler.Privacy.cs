using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Scalekit.Webhooks.Operations;
using Scalekit.Webhooks.Privacy;

namespace Scalekit.Webhooks.Http;

/// <summary>The operations API's erasure jobs and the audit trail of what was done through it.</summary>
public sealed partial class OpsRequestHandler
{
    private static readonly (string Name, ErasureSubjectKind Kind)[] ErasureFields =
        [.. Enum.GetValues<ErasureSubjectKind>().Select(kind => (kind.Name(), kind))];

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
}
