using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Scalekit.Webhooks.Onboarding;

namespace Scalekit.Webhooks.Http;

/// <summary>The onboarding routes of the operations API: start one, and read where it stands.</summary>
public sealed class OnboardingRequestHandler(CustomerOnboarding onboarding, OpsAudit audit)
{
    private const int MaxBodyBytes = 16 * 1024;

    /// <summary>
    /// Starts an onboarding: 202 with its status URL in <c>Location</c>; 200 with the same onboarding when the Stripe
    /// customer has one already (queued again unless it completed); 400 naming the field that is wrong; 409 when the
    /// customer belongs to an organization this onboarding did not create (<c>organization_exists</c>,
    /// <c>account_linked_elsewhere</c>, <c>customer_linked_elsewhere</c>), with nothing recorded or written.
    /// </summary>
    public async Task StartAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        OnboardingRequestParse parsed;
        try
        {
            // Counted while reading, so a chunked body (no Content-Length) is held to the same limit.
            if (context.Request.ContentLength > MaxBodyBytes
                || await ReadAtMostAsync(context.Request.Body, MaxBodyBytes, context.RequestAborted) is not { } bytes)
            {
                await OpsReplies.ProblemAsync(context, 413, "body_too_large", $"The request body may hold at most {MaxBodyBytes} bytes.", null);
                return;
            }

            using var body = JsonDocument.Parse(bytes);
            parsed = OnboardingRequest.Parse(body.RootElement);
        }
        catch (JsonException)
        {
            parsed = OnboardingRequest.Parse(default);
        }

        if (parsed.Request is not { } request)
        {
            await OpsReplies.ProblemAsync(context, 400, "bad_request", parsed.Problem!, parsed.Field);
            return;
        }

        if (onboarding.Unavailable is { } unavailable)
        {
            await OpsReplies.ProblemAsync(context, 503, "not_configured", unavailable, null);
            return;
        }

        var start = await onboarding.StartAsync(request, context.RequestAborted);
        var record = start.Record;
        if (start.Refused is { Refusal: { } refusal } refused)
        {
            await audit.RecordAsync(context, "onboarding", $"onboarding {record.Id} (Stripe customer {request.StripeCustomerId})", $"refused: {refusal.Code()}");
            await OpsReplies.ProblemAsync(context, 409, refusal.Code(), refused.Detail, FieldOf(refusal));
            return;
        }

        await audit.RecordAsync(context, "onboarding", $"onboarding {record.Id} (Stripe customer {request.StripeCustomerId})",
            start.Created ? "started" : start.Queued ? $"requested again: {record.Status}, queued again" : $"requested again: {record.Status}");
        context.Response.Headers.Location = StatusUrl(record.Id);
        await OpsReplies.JsonAsync(context, start.Created ? 202 : 200, ToJson(record, start.Created));
    }

    /// <summary>Where an onboarding stands: its status, ids and every step.</summary>
    public async Task StatusAsync(HttpContext context, string onboardingId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var record = await onboarding.GetAsync(onboardingId, context.RequestAborted);
        if (record is null)
        {
            await OpsReplies.ProblemAsync(context, 404, "not_found", $"no onboarding {onboardingId}", null);
            return;
        }

        await OpsReplies.JsonAsync(context, 200, ToJson(record, null));
    }

    /// <summary>One page of onboardings, newest state of each, filtered by <c>status</c> (running, completed or failed) when given.</summary>
    public async Task ListAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var status = context.Request.Query["status"].ToString();
        if (status.Length > 0 && status is not (OnboardingStatus.Running or OnboardingStatus.Completed or OnboardingStatus.Failed))
        {
            await OpsRequestHandler.BadQueryAsync(context, "status", $"must be {OnboardingStatus.Running}, {OnboardingStatus.Completed} or {OnboardingStatus.Failed}.");
            return;
        }

        if (await OpsRequestHandler.PageSizeAsync(context) is not { } pageSize)
        {
            return;
        }

        var token = context.Request.Query["continuationToken"].ToString();
        var (items, next) = await onboarding.ListAsync(status.Length == 0 ? null : status, pageSize, token.Length == 0 ? null : token, context.RequestAborted);
        await OpsReplies.JsonAsync(context, 200, new JsonObject
        {
            ["items"] = new JsonArray([.. items.Select(record => (JsonNode)ToJson(record, null))]),
            ["continuation_token"] = next,
        });
    }

    /// <summary>The whole body when it holds at most <paramref name="limit"/> bytes; null as soon as it holds more.</summary>
    public static async Task<ReadOnlyMemory<byte>?> ReadAtMostAsync(Stream body, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var buffer = new byte[limit + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        // Typed null: a bare null would convert to an empty Memory through byte[]'s implicit conversion.
        return length > limit ? (ReadOnlyMemory<byte>?)null : buffer.AsMemory(0, length);
    }

    /// <summary>The request field a refusal is about, so a form can show it next to that field.</summary>
    private static string? FieldOf(OnboardingRefusal refusal) => refusal switch
    {
        OnboardingRefusal.OrganizationExists or OnboardingRefusal.CustomerLinkedElsewhere => "stripe_customer_id",
        OnboardingRefusal.AccountLinkedElsewhere => "salesforce_account_id",
        OnboardingRefusal.UserExists => "admin_email",
        _ => null,
    };

    public static string StatusUrl(string onboardingId) => "/api/" + OpsRoutes.Onboarding.Replace("{onboardingId}", Uri.EscapeDataString(onboardingId), StringComparison.Ordinal);

    private static JsonObject ToJson(OnboardingRecord record, bool? created) => new()
    {
        ["onboarding_id"] = record.Id,
        ["status"] = record.Status,
        ["reason"] = record.Reason,
        ["created"] = created,
        ["status_url"] = StatusUrl(record.Id),
        ["company_name"] = record.Request.CompanyName,
        ["admin_email"] = record.Request.AdminEmail,
        ["plan_type"] = record.Request.PlanType,
        ["stripe_customer_id"] = record.Request.StripeCustomerId,
        ["salesforce_account_id"] = record.Request.SalesforceAccountId,
        ["organization_id"] = record.OrganizationId,
        ["admin_user_id"] = record.AdminUserId,
        ["started_at"] = record.StartedAt,
        ["updated_at"] = record.UpdatedAt,
        ["completed_at"] = record.CompletedAt,
        ["steps"] = new JsonArray([.. record.Steps.Select(step => (JsonNode)new JsonObject
        {
            ["name"] = step.Step.Name(),
            ["status"] = step.Status,
            ["detail"] = step.Detail,
            ["attempts"] = step.Attempts,
            ["last_error"] = step.LastError,
            ["updated_at"] = step.UpdatedAt,
        })]),
    };
}
