using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Billing;

/// <summary>A billing change to write to the customer's Scalekit organization.</summary>
public sealed record BillingChange(string CustomerId, IReadOnlyDictionary<string, string> Metadata, IReadOnlyDictionary<string, bool> Features);

/// <summary>What the sync did.</summary>
public enum SyncOutcome
{
    /// <summary>Metadata and/or features were patched.</summary>
    Patched,

    /// <summary>The organization already matched; nothing was sent.</summary>
    Unchanged,

    /// <summary>No organization has this customer as its external id.</summary>
    NoLinkedOrganization,

    /// <summary>No Scalekit credentials: the intended PATCH was recorded, not sent.</summary>
    DryRun,
}

public sealed record SyncResult(SyncOutcome Outcome, string? OrganizationId, string Detail);

/// <summary>
/// Writes billing state to Scalekit: merges metadata into the organization's current map (Scalekit replaces the whole
/// map), checks Scalekit's limits, skips the PATCH when nothing would change, and switches managed features.
/// Without credentials it runs in dry-run mode against the read model and records what it would have sent.
/// </summary>
public sealed partial class BillingSync(
    IServiceProvider services,
    IOptions<ScalekitOptions> options,
    OrganizationLinks links,
    StorageClients clients,
    ILogger<BillingSync> logger)
{
    public async Task<SyncResult> SyncAsync(BillingChange change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (options.Value.CredentialsProblem is { } problem)
        {
            // Parked with the reason, so it can be replayed once the settings are fixed; never a silent dry run.
            throw new PermanentSyncException(problem);
        }

        if (!options.Value.IsConfigured)
        {
            return await DryRunAsync(change, cancellationToken).ConfigureAwait(false);
        }

        var client = services.GetRequiredService<ScalekitClient>();
        try
        {
            var organization = await ResolveAsync(client, change.CustomerId, cancellationToken).ConfigureAwait(false);
            if (organization is null)
            {
                return new SyncResult(SyncOutcome.NoLinkedOrganization, null, $"no Scalekit organization has external_id {change.CustomerId}");
            }

            var plan = Plan(organization.Metadata, organization.Features, change);
            if (plan.Metadata is not null)
            {
                await client.UpdateMetadataAsync(organization.Id, plan.Metadata, cancellationToken).ConfigureAwait(false);
            }

            if (plan.Features.Count > 0)
            {
                await client.UpdateFeaturesAsync(organization.Id, plan.Features, cancellationToken).ConfigureAwait(false);
            }

            var outcome = plan.Metadata is null && plan.Features.Count == 0 ? SyncOutcome.Unchanged : SyncOutcome.Patched;
            Log.Synced(logger, change.CustomerId, organization.Id, outcome);
            return new SyncResult(outcome, organization.Id, plan.Describe());
        }
        catch (ScalekitNotFoundException)
        {
            // The organization vanished between lookup and PATCH.
            await links.DropAsync(change.CustomerId, cancellationToken).ConfigureAwait(false);
            return new SyncResult(SyncOutcome.NoLinkedOrganization, null, "the linked organization no longer exists");
        }
        catch (ScalekitApiException ex) when (!ex.IsTransient)
        {
            throw new PermanentSyncException($"Scalekit refused the update: {ex.Message}", ex);
        }
    }

    private async Task<ScalekitOrganization?> ResolveAsync(ScalekitClient client, string customerId, CancellationToken cancellationToken)
    {
        if (await links.FindAsync(customerId, cancellationToken).ConfigureAwait(false) is { } linked)
        {
            var organization = await client.GetAsync(linked, cancellationToken).ConfigureAwait(false);
            if (organization is not null && organization.ExternalId == customerId)
            {
                return organization;
            }

            await links.DropAsync(customerId, cancellationToken).ConfigureAwait(false);
        }

        var found = await client.FindByExternalIdAsync(customerId, cancellationToken).ConfigureAwait(false);
        if (found is not null)
        {
            await links.SetAsync(customerId, found.Id, cancellationToken).ConfigureAwait(false);
        }

        return found;
    }

    private async Task<SyncResult> DryRunAsync(BillingChange change, CancellationToken cancellationToken)
    {
        var organizationId = await links.FindAsync(change.CustomerId, cancellationToken).ConfigureAwait(false);
        if (organizationId is null)
        {
            return new SyncResult(SyncOutcome.NoLinkedOrganization, null, $"dry-run: no known organization has external_id {change.CustomerId}");
        }

        var row = await clients.Tables.GetTableClient(StateTables.Organizations)
            .GetEntityIfExistsAsync<TableEntity>(StateTables.GlobalPartition, ScalekitEventMapper.Key(organizationId), cancellationToken: cancellationToken).ConfigureAwait(false);
        var metadata = row.HasValue && row.Value!.GetString("Metadata") is { } json ? JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [] : [];
        var features = row.HasValue && row.Value!.GetString("Features") is { } list
            ? JsonSerializer.Deserialize<List<FeatureToggle>>(list)?.ToDictionary(f => f.Name, f => f.Enabled) ?? []
            : new Dictionary<string, bool>();
        var plan = Plan(metadata, features, change);
        Log.DryRun(logger, change.CustomerId, organizationId, plan.Describe());
        return new SyncResult(SyncOutcome.DryRun, organizationId, "dry-run (no Scalekit credentials): " + plan.Describe());
    }

    private static SyncPlan Plan(IReadOnlyDictionary<string, string> currentMetadata, IReadOnlyDictionary<string, bool> currentFeatures, BillingChange change)
    {
        var merged = new Dictionary<string, string>(currentMetadata, StringComparer.Ordinal);
        foreach (var (key, value) in change.Metadata)
        {
            merged[key] = value;
        }

        if (OrganizationMetadata.Validate(merged) is { } problem)
        {
            throw new PermanentSyncException($"Cannot update organization metadata: {problem}.");
        }

        var metadataChanged = merged.Count != currentMetadata.Count || merged.Any(pair => !currentMetadata.TryGetValue(pair.Key, out var old) || old != pair.Value);
        var features = change.Features
            .Where(f => !currentFeatures.TryGetValue(f.Key, out var enabled) || enabled != f.Value)
            .ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        return new SyncPlan(metadataChanged ? merged : null, features);
    }

    private sealed record SyncPlan(IReadOnlyDictionary<string, string>? Metadata, IReadOnlyDictionary<string, bool> Features)
    {
        public string Describe() => JsonSerializer.Serialize(new { metadata = Metadata, features = Features });
    }

    private sealed record FeatureToggle(
        [property: System.Text.Json.Serialization.JsonPropertyName("name")] string Name,
        [property: System.Text.Json.Serialization.JsonPropertyName("enabled")] bool Enabled);

    private static partial class Log
    {
        [LoggerMessage(5001, LogLevel.Information, "Billing sync for customer {CustomerId} → organization {OrganizationId}: {Outcome}")]
        public static partial void Synced(ILogger logger, string customerId, string organizationId, SyncOutcome outcome);

        [LoggerMessage(5002, LogLevel.Warning, "DRY RUN (no SCALEKIT_ENVIRONMENT_URL / SCALEKIT_CLIENT_ID / SCALEKIT_CLIENT_SECRET): would update organization {OrganizationId} for customer {CustomerId}: {Plan}")]
        public static partial void DryRun(ILogger logger, string customerId, string organizationId, string plan);
    }
}
