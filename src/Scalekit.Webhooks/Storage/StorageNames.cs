using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Storage;

/// <summary>Every queue, container and table the pipeline uses. Bicep and the Functions triggers use the same names.</summary>
public static class StorageNames
{
    public const string ScalekitQueue = "scalekit-events";
    public const string StripeQueue = "stripe-events";
    public const string HrQueue = "hr-events";

    /// <summary>Onboarding runs (one message names one onboarding); not an event queue.</summary>
    public const string OnboardingQueue = "onboarding-steps";

    /// <summary>Salesforce account updates to make after a Scalekit event (not an event queue: no ledger, no replayer).</summary>
    public const string CrmPushQueue = "crm-account-push";

    public const string PoisonSuffix = "-poison";
    public const string PayloadContainer = "webhook-payloads";
    public const string EventLedgerTable = "EventLedger";
    public const string DeadLetterTable = "DeadLetters";
    public const string AuditTable = "OpsAudit";
    public const string OnboardingTable = "Onboarding";
    public const string CrmAccountLinksTable = "CrmAccountLinks";
    public const string CrmSyncTable = "CrmSync";

    public static string QueueFor(WebhookSource source) => EventSources.Of(source).Queue;

    public static string PoisonQueueFor(WebhookSource source) => EventSources.Of(source).PoisonQueue;

    public static IReadOnlyList<string> AllQueues { get; } =
        [.. EventSources.All.SelectMany(profile => new[] { profile.Queue, profile.PoisonQueue }), OnboardingQueue, OnboardingQueue + PoisonSuffix, CrmPushQueue, CrmPushQueue + PoisonSuffix];

    public static IReadOnlyList<string> AllContainers { get; } = [PayloadContainer];

    public static IReadOnlyList<string> AllTables { get; } = [EventLedgerTable, DeadLetterTable, AuditTable, OnboardingTable, CrmAccountLinksTable, CrmSyncTable, .. State.StateTables.All];
}
