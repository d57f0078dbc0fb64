using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Scalekit.Webhooks.Operations;

// The operations API's response bodies (a Stripe customer's are in CustomerResponses.cs): types of their own,
// composed from the stores, never storage rows. Property names go on the wire in snake_case (OpsJson.Options); the
// README lists which route answers with which type and GET /api/ops/openapi.json describes them.

/// <summary>The JSON settings of every operations API body.</summary>
public static class OpsJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };
}

/// <summary>One page of a listing; <see cref="ContinuationToken"/> is null on the last page.</summary>
public sealed record OpsPage<T>(IReadOnlyList<T> Items, string? ContinuationToken);

/// <summary>The last event applied to a read-model row.</summary>
public sealed record AppliedEvent(string Id, string Type, DateTimeOffset OccurredAt);

/// <summary>One event of the event log (the ledger). <see cref="Payload"/> is only filled in the single-event view.</summary>
public sealed record EventView(
    string Source,
    string EventId,
    string? EventType,
    string? Status,
    string? Detail,
    int Attempts,
    int ReplayCount,
    DateTimeOffset? OccurredAt,
    DateTimeOffset? ReceivedAt,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? CompletedAt,
    DateTimeOffset? LastFailedAt,
    string? LastError,
    string? OrganizationId,
    string? CustomerId,
    string? ApiVersion,
    string? PayloadBlob,
    long? PayloadLength,
    DateTimeOffset? PayloadRemovedAt,
    string? PayloadRemovedReason,
    string? Payload,
    string Delivery);

/// <summary>One parked (or replayed, or resolved) event.</summary>
public sealed record DeadLetterView(
    string Source,
    string EventId,
    string EventType,
    string Status,
    string Reason,
    int Attempts,
    int ReplayCount,
    int TimesParked,
    DateTimeOffset? FirstFailureAt,
    DateTimeOffset? LastFailureAt,
    DateTimeOffset? ParkedAt,
    DateTimeOffset? ReplayedAt,
    DateTimeOffset? ResolvedAt,
    DateTimeOffset? MessageRemovedAt);

/// <summary>How many live rows an organization owns.</summary>
public sealed record OrganizationCountsView(int DirectoryUsers, int DirectoryGroups, int Members);

/// <summary>One organization in a list or search: enough to recognise it and open its page.</summary>
public sealed record OrganizationSummaryView(string Id, string? DisplayName, string? ExternalId, string? RegionCode, string? UpdateTime, DateTimeOffset? DeletedAt);

/// <summary>An organization's current state, its counts, and the billing of its Stripe customer (its external id).</summary>
public sealed record OrganizationView(
    string Id,
    string? DisplayName,
    string? ExternalId,
    string? RegionCode,
    string? CreateTime,
    string? UpdateTime,
    JsonElement? Metadata,
    JsonElement? Features,
    DateTimeOffset? DeletedAt,
    OrganizationCountsView Counts,
    AppliedEvent? LastAppliedEvent,
    string? StripeCustomerId,
    CustomerView? Billing,
    MetadataPairsView? MetadataPairs = null,
    IReadOnlyDictionary<string, string>? FeatureOwners = null,
    string? SalesforceAccountId = null);

/// <summary>
/// The organization's metadata pairs by writer (billing, crm, onboarding; the customer's own under <c>customer</c>),
/// the pairs in use of Scalekit's <see cref="Limit"/>, and whether billing's or the CRM sync's last write was refused
/// for want of room (then it is in the over-budget listing).
/// </summary>
public sealed record MetadataPairsView(int InUse, int Limit, bool OverBudget, IReadOnlyDictionary<string, IReadOnlyList<string>> ByWriter);

/// <summary>A directory (SCIM) user of an organization.</summary>
public sealed record DirectoryUserView(
    string Id,
    string OrganizationId,
    string? Email,
    bool? Active,
    string? Name,
    string? GivenName,
    string? FamilyName,
    string? PreferredUsername,
    string? EmployeeId,
    string? Department,
    string? Title,
    JsonElement? Roles,
    JsonElement? Groups,
    DateTimeOffset? DeletedAt,
    AppliedEvent? LastAppliedEvent);

/// <summary>A user's membership in an organization.</summary>
public sealed record MemberView(string UserId, string OrganizationId, string? Email, string? MembershipStatus, JsonElement? Roles, DateTimeOffset? DeletedAt, AppliedEvent? LastAppliedEvent);

/// <summary>How the HR sync last left an employee.</summary>
public sealed record EmployeeSyncView(string? Result, string? Detail, DateTimeOffset? At);

/// <summary>An employee of an organization as the HR sync last left them.</summary>
public sealed record EmployeeView(
    string EmployeeId,
    string OrganizationId,
    string? Email,
    string? ScalekitUserId,
    string? Status,
    string? Department,
    string? Title,
    bool MembershipRemoved,
    AppliedEvent? LastEvent,
    EmployeeSyncView LastSync);

/// <summary>
/// An organization whose metadata has no room for the keys of <see cref="Writer"/> (<c>billing</c>, for a Stripe
/// customer, or <c>crm</c>, for a Salesforce account).
/// </summary>
public sealed record OverBudgetView(string Writer, string? OrganizationId, string? CustomerId, string? AccountId, DateTimeOffset? Since, string? Reason, IReadOnlyList<string>? OrganizationKeys);

/// <summary>The answer to a replay of one event or dead letter.</summary>
public sealed record ReplayView(string Status, string Source, string EventId);

/// <summary>The answer to a bulk replay: a dry run fills <see cref="WouldReplay"/>, a real one <see cref="Replayed"/>.</summary>
public sealed record BulkReplayView(bool DryRun, int? WouldReplay, int? Replayed, string? Hint);

/// <summary>A store an erasure could not search, and why.</summary>
public sealed record ErasureGapView(string Store, string Reason);

/// <summary>
/// Where an erasure job stands (the answer to starting one, and its status URL): <see cref="State"/> is <c>queued</c>,
/// <c>running</c> or <c>completed</c>; <see cref="Erased"/> counts what was removed per store. Nothing about the person
/// but the kind of subject (<c>email</c>, <c>user_id</c>, <c>directory_user_id</c>).
/// </summary>
public sealed record ErasureJobView(
    string JobId,
    string State,
    string SubjectKind,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    IReadOnlyList<string> DoneSteps,
    IReadOnlyDictionary<string, int> Erased,
    IReadOnlyList<ErasureGapView> NotSearched,
    int Attempts,
    string? LastError,
    string StatusUrl);

/// <summary>One change made through the operations API.</summary>
public sealed record AuditEntryView(DateTimeOffset At, string Action, string Target, string Outcome, string CallerAddress, string KeyFingerprint);

/// <summary>An RFC 7807 problem (every 4xx answer).</summary>
public sealed record ProblemView(string Type, string Title, int Status, string Detail, string Reason);

/// <summary>
/// <c>GET /api/ops/stats</c>: the pipeline over a window. <see cref="Queues"/> maps every queue (each shard, each
/// poison queue) to its approximate depth now; <see cref="Sources"/> sums them per source.
/// </summary>
public sealed record StatsView(
    long WindowSeconds,
    DateTimeOffset Since,
    IReadOnlyDictionary<string, int> Queues,
    IReadOnlyList<SourceStatsView> Sources,
    IReadOnlyList<EventCountView> Events,
    int EventsTotal,
    bool Truncated,
    LatencyView ProcessingLatencyMs,
    int Parked,
    EventSeriesView Series,
    IReadOnlyList<IntegrationView> Integrations);

/// <summary>One source in the stats window: its queues' depths summed over shards, and its events' counts.</summary>
public sealed record SourceStatsView(
    string Source,
    string Queue,
    int QueueDepth,
    string PoisonQueue,
    int PoisonDepth,
    int Ingested,
    int Processed,
    int Failed,
    int Parked);

/// <summary>How many events of one source and type have one status.</summary>
public sealed record EventCountView(string Source, string Type, string Status, int Count);

/// <summary>Processing latency (received to completed) over the window, in milliseconds.</summary>
public sealed record LatencyView(double? P50, double? P95, int Samples);

/// <summary>Counts per time bucket from <see cref="Start"/>; each list has one entry per bucket.</summary>
public sealed record EventSeriesView(
    DateTimeOffset Start,
    long BucketSeconds,
    IReadOnlyList<int> Ingested,
    IReadOnlyList<int> Processed,
    IReadOnlyList<int> Failed,
    IReadOnlyList<int> Parked,
    [property: JsonPropertyName("latency_p50_ms")] IReadOnlyList<double?> LatencyP50Ms,
    [property: JsonPropertyName("latency_p95_ms")] IReadOnlyList<double?> LatencyP95Ms);

/// <summary>How one downstream integration fared in the window (see <see cref="IntegrationHealthReport"/>).</summary>
public sealed record IntegrationView(
    string Name,
    string Status,
    string Mode,
    int Successes,
    int Failures,
    DateTimeOffset? LastSuccessAt,
    DateTimeOffset? LastFailureAt,
    string? LastError,
    double? AverageDurationMs,
    IReadOnlyDictionary<string, int>? Counts,
    DateTimeOffset? LastRunAt,
    ApiUsageView? ApiUsage,
    IReadOnlyList<string>? ConfigurationProblems = null,
    string? OffReason = null,
    string? Source = null);

/// <summary>Share of an external API's allocation used, as its last answer reported it.</summary>
public sealed record ApiUsageView(long Used, long Allocated, double Percent);
