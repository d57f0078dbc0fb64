using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Operations;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Billing;

/// <summary>Health of the Stripe → Scalekit billing sync, read from the Stripe events in the event ledger.</summary>
public sealed class BillingHealth(StorageClients clients, IOptions<ScalekitOptions> scalekit) : IIntegrationHealth
{
    public Task<IntegrationHealthReport> ReadAsync(DateTimeOffset since, CancellationToken cancellationToken = default) =>
        ReadLedgerAsync(clients, scalekit.Value, WebhookSource.Stripe, "billing", since, cancellationToken);

    /// <summary>One Scalekit sync's health from its source's events in the ledger (billing: Stripe; hr: HR events).</summary>
    internal static async Task<IntegrationHealthReport> ReadLedgerAsync(StorageClients clients, ScalekitOptions options, WebhookSource source, string name, DateTimeOffset since, CancellationToken cancellationToken)
    {
        int successes = 0, failures = 0;
        DateTimeOffset? lastSuccess = null, lastFailure = null;
        string? lastError = null;
        double totalMs = 0;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {source.Name()} and ReceivedAt ge {since}");
        var rows = clients.Tables.GetTableClient(StorageNames.EventLedgerTable).QueryAsync<TableEntity>(filter,
            select: ["Status", "LastAttemptAt", "CompletedAt", "LastFailedAt", "LastError", "Detail"], cancellationToken: cancellationToken);
        await foreach (var row in rows.ConfigureAwait(false))
        {
            var status = row.GetString("Status");
            if (status is ProcessingStatus.Failed or ProcessingStatus.Parked)
            {
                failures++;
                var at = row.GetDateTimeOffset("LastFailedAt") ?? row.GetDateTimeOffset("CompletedAt");
                if (at > (lastFailure ?? DateTimeOffset.MinValue))
                {
                    lastFailure = at;
                    lastError = row.GetString("LastError") ?? row.GetString("Detail");
                }
            }
            else if (ProcessingStatus.IsFinal(status) && row.GetDateTimeOffset("CompletedAt") is { } completed)
            {
                successes++;
                lastSuccess = completed > (lastSuccess ?? DateTimeOffset.MinValue) ? completed : lastSuccess;
                totalMs += row.GetDateTimeOffset("LastAttemptAt") is { } started ? Math.Max(0, (completed - started).TotalMilliseconds) : 0;
            }
        }

        // Partial credentials switch the sync off (events are parked with the reason); none at all is a dry run.
        var mode = options.IsConfigured ? "live" : options.CredentialsProblem is null ? "dry-run" : "off";
        return new IntegrationHealthReport(name, mode, successes, failures, lastSuccess, lastFailure, lastError ?? options.CredentialsProblem,
            successes == 0 ? null : Math.Round(totalMs / successes, 1));
    }
}
