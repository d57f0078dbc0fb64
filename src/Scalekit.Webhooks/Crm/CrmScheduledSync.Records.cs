using System.Globalization;
using System.Text.Json;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;

namespace Scalekit.Webhooks.Crm;

/// <summary>One Salesforce record applied: an Account to its organization's metadata and features, a Contact to its user's metadata.</summary>
public sealed partial class CrmScheduledSync
{
    private async Task ApplyAccountAsync(Run run, JsonElement account, CancellationToken cancellationToken)
    {
        var accountId = Text(account, "Id") ?? throw new SalesforceApiException(System.Net.HttpStatusCode.OK, SalesforceApiException.MalformedAnswer, "Salesforce sent an Account without an Id");
        if (await links.FindOrganizationAsync(accountId, cancellationToken).ConfigureAwait(false) is not { } organizationId
            || await scalekit.GetAsync(organizationId, cancellationToken).ConfigureAwait(false) is not { } organization)
        {
            run.Skipped++;
            return;
        }

        var merge = MergeAccount(organization.Metadata, Mapped(account, Options.AccountFields));
        if (!merge.Fits)
        {
            run.Parked++;
            await store.MarkOverBudgetAsync(new CrmOverBudget(organization.Id, accountId, time.GetUtcNow(), $"organization {organization.Id}: {merge.Refusal}; nothing was written",
                [.. organization.Metadata.Keys.Order(StringComparer.Ordinal)]), cancellationToken).ConfigureAwait(false);
            Log.Parked(logger, Account, accountId, merge.Refusal!);
            return;
        }

        // The CRM owns its enterprise features both ways: on while the account is Enterprise, off once it is not.
        var enterprise = Text(account, "Type") == "Enterprise";
        var features = Options.EnterpriseFeatures
            .Where(f => ownership.Owns(FactWriter.Crm, FactKind.Feature, f))
            .Where(f => (organization.Features.TryGetValue(f, out var on) && on) != enterprise)
            .ToDictionary(f => f, _ => enterprise, StringComparer.Ordinal);
        if (!merge.Changed && features.Count == 0)
        {
            run.Unchanged++;
            return;
        }

        try
        {
            if (merge.Changed)
            {
                await scalekit.UpdateMetadataAsync(organization.Id, merge.Metadata, $"crm-{accountId}-{Text(account, "SystemModstamp")}", cancellationToken).ConfigureAwait(false);
            }

            if (features.Count > 0)
            {
                await scalekit.UpdateFeaturesAsync(organization.Id, features, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ScalekitApiException ex) when (!ex.IsTransient)
        {
            run.Parked++;
            Log.Parked(logger, Account, accountId, ex.Message);
            return;
        }

        await store.ClearOverBudgetAsync(organization.Id, cancellationToken).ConfigureAwait(false);
        run.Applied++;
    }

    private async Task ApplyContactAsync(Run run, JsonElement contact, CancellationToken cancellationToken)
    {
        var contactId = Text(contact, "Id") ?? "(no id)";
        if (Text(contact, "Email") is not { Length: >= 3 } email
            || Text(contact, "AccountId") is not { } accountId
            || await links.FindOrganizationAsync(accountId, cancellationToken).ConfigureAwait(false) is not { } organizationId)
        {
            run.Skipped++;
            return;
        }

        var users = await scalekitUsers.SearchOrganizationUsersAsync(organizationId, email, cancellationToken).ConfigureAwait(false);
        if (users.FirstOrDefault(u => string.Equals(u.Email, email, StringComparison.OrdinalIgnoreCase)) is not { } user)
        {
            run.Skipped++;
            return;
        }

        var merge = MergeWithSyncTime(user.Metadata, Options.OwnedContactKeys, Mapped(contact, Options.ContactFields), CrmOptions.ContactSyncKey);
        if (ScalekitUser.ValidateMetadata(merge.Metadata) is { } refusal)
        {
            run.Parked++;
            Log.Parked(logger, Contact, contactId, refusal);
            return;
        }

        if (!merge.Changed)
        {
            run.Unchanged++;
            return;
        }

        try
        {
            await scalekitUsers.UpdateUserAsync(user.Id, new ScalekitUserUpdate(Metadata: merge.Metadata), cancellationToken).ConfigureAwait(false);
            run.Applied++;
        }
        catch (ScalekitApiException ex) when (!ex.IsTransient)
        {
            run.Parked++;
            Log.Parked(logger, Contact, contactId, ex.Message);
        }
    }

    /// <summary>
    /// Merges the account facts whose keys the CRM sync owns, in the configured layout, removing its keys of the other
    /// layout (an organization written before is moved on this write) and keeping every other writer's and the
    /// customer's. Only when that changes something is the sync time stamped anew, so an unchanged account sends nothing.
    /// </summary>
    private MetadataMerge MergeAccount(IReadOnlyDictionary<string, string> current, Dictionary<string, string> mapped)
    {
        var owned = ownership.RemovableKeys(FactWriter.Crm);
        var facts = ownership.OwnPairs(FactWriter.Crm, mapped);
        var merge = MetadataBudget.Merge(current, owned, CrmAccountMetadata.Layout(Options.MetadataMode, facts, CrmAccountMetadata.LastSync(current)), "the CRM sync");
        return merge.Changed
            ? MetadataBudget.Merge(current, owned, CrmAccountMetadata.Layout(Options.MetadataMode, facts, CrmAccountMetadata.Stamp(time.GetUtcNow())), "the CRM sync")
            : merge;
    }

    /// <summary>
    /// Merges the mapped fields; only when that changes something is the sync time stamped too, so an unchanged
    /// record sends nothing.
    /// </summary>
    private MetadataMerge MergeWithSyncTime(IReadOnlyDictionary<string, string> current, IReadOnlyCollection<string> owned, Dictionary<string, string> desired, string syncKey)
    {
        if (current.TryGetValue(syncKey, out var lastSync))
        {
            desired[syncKey] = lastSync;
        }

        var merge = MetadataBudget.Merge(current, owned, desired, "the CRM sync");
        if (!merge.Changed)
        {
            return merge;
        }

        desired[syncKey] = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return MetadataBudget.Merge(current, owned, desired, "the CRM sync");
    }

    /// <summary>The mapped fields that have a value, as metadata strings.</summary>
    internal static Dictionary<string, string> Mapped(JsonElement record, IReadOnlyDictionary<string, string> fields)
    {
        var mapped = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (field, key) in fields)
        {
            var value = record;
            foreach (var part in field.Split('.'))
            {
                value = value.ValueKind == JsonValueKind.Object && value.TryGetProperty(part, out var inner) ? inner : default;
            }

            var text = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                // 950000.0 and 950000 are the same revenue: no trailing zeros, so a re-read sends nothing.
                JsonValueKind.Number => value.TryGetDecimal(out var number) ? number.ToString("G29", CultureInfo.InvariantCulture) : value.GetRawText(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => null,
            };
            if (!string.IsNullOrEmpty(text))
            {
                mapped[key] = text;
            }
        }

        return mapped;
    }

    private static string? Text(JsonElement record, string name) =>
        record.ValueKind == JsonValueKind.Object && record.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
