using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Storage;

/// <summary>Every queue, container and table the pipeline uses. Bicep and the Functions triggers use the same names.</summary>
public static class StorageNames
{
    /// <summary>A source's event queue is its name and this (<c>scalekit-events</c>); its shards add <c>-n</c>.</summary>
    public const string EventQueueSuffix = "-events";

    /// <summary>Onboarding runs (one message names one onboarding); not an event queue.</summary>
    public const string OnboardingQueue = "onboarding-steps";

    /// <summary>Salesforce account updates to make after a Scalekit event (not an event queue: no ledger; its poison queue is replayed, see DeadLetters.WorkQueues).</summary>
    public const string CrmPushQueue = "crm-account-push";

    /// <summary>Erasure jobs (one message names one job by id, never the person); not an event queue.</summary>
    public const string ErasureQueue = "erasure-jobs";
    /// <summary>Recovery runs of missed Stripe events (one message names one run and works a few pages of it); not an event queue.</summary>
    public const string StripeRecoveryQueue = "stripe-reconcile";

    /// <summary>Seat syncs of organizations (one message names one organization and its sync's generation, visible after the delay); not an event queue.</summary>
    public const string SeatSyncQueue = "billing-seat-sync";

    public const string PoisonSuffix = "-poison";
    public const string PayloadContainer = "webhook-payloads";
    public const string EventLedgerTable = "EventLedger";
    public const string DeadLetterTable = "DeadLetters";
    public const string AuditTable = "OpsAudit";
    public const string OnboardingTable = "Onboarding";
    public const string CrmAccountLinksTable = "CrmAccountLinks";
    public const string CrmSyncTable = "CrmSync";
    public const string ErasureJobsTable = "ErasureJobs";
    public const string StripeRecoveryTable = "StripeRecovery";
    public const string BillingSeatsTable = "BillingSeats";

    /// <summary>HR connections created through the operations API (never their secrets).</summary>
    public const string HrConnectionsTable = "HrConnections";

    /// <summary>Refused deliveries per HR connection and reason (the ledger holds only accepted ones).</summary>
    public const string HrConnectionRefusalsTable = "HrConnectionRefusals";

    /// <summary>Most event queues (shards) one source can have; every one of them exists and is consumed.</summary>
    public const int MaxEventQueueShards = 16;

    /// <summary>
    /// The event queue of <paramref name="source"/>'s shard <paramref name="shard"/>: shard 0 keeps the source's
    /// unsharded queue (<c>scalekit-events</c>), so a deployment that never sharded keeps working; shard n is
    /// <c>scalekit-events-n</c>.
    /// </summary>
    public static string QueueFor(WebhookSource source, int shard = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, MaxEventQueueShards);
        var queue = source.Name + EventQueueSuffix;
        return shard == 0 ? queue : $"{queue}-{shard}";
    }

    public static string PoisonQueueFor(WebhookSource source, int shard = 0) => QueueFor(source, shard) + PoisonSuffix;

    /// <summary>Every shard number, 0 to <see cref="MaxEventQueueShards"/> - 1.</summary>
    public static IEnumerable<int> AllShards => Enumerable.Range(0, MaxEventQueueShards);

    public static IReadOnlyList<string> AllQueues { get; } =
    [
        .. EventSources.Sources.SelectMany(source => AllShards.SelectMany(shard => new[] { QueueFor(source, shard), PoisonQueueFor(source, shard) })),
        OnboardingQueue, OnboardingQueue + PoisonSuffix, CrmPushQueue, CrmPushQueue + PoisonSuffix,
        ErasureQueue, ErasureQueue + PoisonSuffix,
        StripeRecoveryQueue, StripeRecoveryQueue + PoisonSuffix,
        SeatSyncQueue, SeatSyncQueue + PoisonSuffix,
    ];

    public static IReadOnlyList<string> AllContainers { get; } = [PayloadContainer];

    public static IReadOnlyList<string> AllTables { get; } = [EventLedgerTable, DeadLetterTable, AuditTable, OnboardingTable, CrmAccountLinksTable, CrmSyncTable, ErasureJobsTable, StripeRecoveryTable, HrConnectionsTable, HrConnectionRefusalsTable, BillingSeatsTable, .. State.StateTables.All];
}
