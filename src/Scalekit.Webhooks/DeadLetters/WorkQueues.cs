using System.Text.Json.Nodes;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.DeadLetters;

/// <summary>
/// A queue of work that is not an event (no envelope, no ledger row) whose poison queue the replayer also works. Its
/// messages are JSON objects; the replayer counts its replays in <see cref="WorkQueues.ReplayCountProperty"/> (the
/// consumers ignore it) and parks one that keeps failing as a dead letter of <see cref="Source"/> with type
/// <see cref="WorkType"/> and id <c>{WorkType}:{key}</c>.
/// </summary>
public sealed record ReplayableWork(string Queue, string WorkType, WebhookSource Source, Func<JsonObject, string?> KeyOf)
{
    public string PoisonQueue => Queue + StorageNames.PoisonSuffix;

    public string DeadLetterId(string key) => $"{WorkType}:{key}";
}

/// <summary>The work queues the replayer works, and how a work message's replay count is read and raised.</summary>
public static class WorkQueues
{
    public const string ReplayCountProperty = "replay_count";

    public static IReadOnlyList<ReplayableWork> All { get; } =
    [
        // Onboardings are started for a Stripe customer; the key is the onboarding id, so the entry is one per onboarding.
        new(StorageNames.OnboardingQueue, "onboarding.run", StripeSource.Id, body => Text(body, "onboarding_id")),
        // An account push follows a Scalekit event: one entry per organization and event.
        new(StorageNames.CrmPushQueue, "crm.account_push", ScalekitSource.Id,
            body => Text(body, "organization_id") is { } organization ? $"{organization}:{Text(body, "event_id")}" : null),
        // An erasure job resumes where it stopped; its message holds only the job id, so a dead letter of it holds no person.
        new(StorageNames.ErasureQueue, "erasure.run", ScalekitSource.Id, body => Text(body, "job_id")),
        // A recovery run of missed Stripe events resumes from its recorded cursor; one entry per run.
        new(StorageNames.StripeRecoveryQueue, "stripe.reconcile", StripeSource.Id, body => Text(body, "reconcile_id")),
        // A seat sync counts the members when it runs; one entry per organization and sync generation.
        new(StorageNames.SeatSyncQueue, "billing.seat_sync", StripeSource.Id,
            body => Text(body, "organization_id") is { } organization ? $"{organization}:{body["generation"]}" : null),
    ];

    /// <summary>The work queue whose dead letters have type <paramref name="workType"/>, or null for an event type.</summary>
    public static ReplayableWork? ForType(string workType) => All.FirstOrDefault(queue => queue.WorkType == workType);

    public static int ReplayCountOf(JsonObject body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return body[ReplayCountProperty] is JsonValue value && value.TryGetValue<int>(out var count) ? count : 0;
    }

    /// <summary>The message with its replay count set to <paramref name="replayCount"/>.</summary>
    public static BinaryData WithReplayCount(JsonObject body, int replayCount)
    {
        ArgumentNullException.ThrowIfNull(body);
        var copy = (JsonObject)body.DeepClone();
        copy[ReplayCountProperty] = replayCount;
        return BinaryData.FromString(copy.ToJsonString());
    }

    private static string? Text(JsonObject body, string name) =>
        body[name] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;
}
