using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Telemetry;

namespace Scalekit.Webhooks.Crm;

/// <summary>
/// How one scheduled run ended (success, failure, deferred, or off when not configured), what it said, and how many
/// records it applied, found unchanged, parked and skipped as not linked.
/// </summary>
public sealed record CrmRunResult(string Outcome, string Detail, int Applied, int Unchanged, int Parked, int Skipped)
{
    public const string Off = "off";
}

/// <summary>
/// The scheduled Salesforce → Scalekit run: Accounts, then Contacts, changed since their stored watermark (SOQL on
/// <c>SystemModstamp</c>, paged). A linked account's mapped fields are merged into its organization's metadata under the
/// shared 10-pair budget (an organization without room is parked, listed with billing's); an Enterprise account gets
/// the enterprise features; a contact's fields go to the metadata of the organization's user with its email. Nothing is
/// sent when nothing changed. The watermark only moves past records that were applied, found unchanged, not linked or
/// parked, so a run that stops (an outage, the API allocation, its time budget <see cref="CrmOptions.RunBudget"/>)
/// resumes where it stopped.
/// </summary>
public sealed partial class CrmScheduledSync(
    SalesforceClient salesforce,
    ScalekitClient scalekit,
    ScalekitUserClient scalekitUsers,
    IOptions<SalesforceOptions> salesforceOptions,
    IOptions<CrmOptions> crmOptions,
    IOptions<ScalekitOptions> scalekitOptions,
    AccountLinks links,
    CrmSyncStore store,
    Ownership ownership,
    TimeProvider time,
    ILogger<CrmScheduledSync> logger)
{
    public const string Account = "Account";
    public const string Contact = "Contact";

    private static readonly TimeSpan ActivityKept = TimeSpan.FromDays(30);
    private static readonly string[] AccountBaseFields = ["Id", "Type", "SystemModstamp"];
    private static readonly string[] ContactBaseFields = ["Id", "AccountId", "Email", "SystemModstamp"];

    private CrmOptions Options => crmOptions.Value;

    /// <summary>Why the CRM sync is off, or null when Salesforce and Scalekit are both configured.</summary>
    public string? OffReason => CrmHealth.OffReason(salesforceOptions.Value, scalekitOptions.Value);

    public async Task<CrmRunResult> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        if (OffReason is { } off)
        {
            return new CrmRunResult(CrmRunResult.Off, off, 0, 0, 0, 0);
        }

        var started = time.GetTimestamp();
        var run = new Run();
        CrmRunResult result;
        try
        {
            var deferred = await SyncAsync(run, started, Account, AccountQuery, ApplyAccountAsync, cancellationToken).ConfigureAwait(false)
                ?? await SyncAsync(run, started, Contact, ContactQuery, ApplyContactAsync, cancellationToken).ConfigureAwait(false);
            result = deferred is null
                ? new CrmRunResult(CrmSyncStore.Success, run.Summary, run.Applied, run.Unchanged, run.Parked, run.Skipped)
                : new CrmRunResult(CrmSyncStore.Deferred, $"{deferred}; {run.Summary}", run.Applied, run.Unchanged, run.Parked, run.Skipped);
        }
        catch (SalesforceApiException ex) when (ex.IsLimitExceeded)
        {
            result = new CrmRunResult(CrmSyncStore.Failure, $"Salesforce's API allocation is used up (403 REQUEST_LIMIT_EXCEEDED): stopped until the next run; {run.Summary}", run.Applied, run.Unchanged, run.Parked, run.Skipped);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            await FinishAsync(new CrmRunResult(CrmSyncStore.Failure, $"{ex.GetType().Name}: {ex.Message}; {run.Summary}", run.Applied, run.Unchanged, run.Parked, run.Skipped), started, salesforce.LastUsage).ConfigureAwait(false);
            throw;
        }

        await FinishAsync(result, started, salesforce.LastUsage).ConfigureAwait(false);
        return result;
    }

    private async Task FinishAsync(CrmRunResult result, long started, ApiUsage? usage)
    {
        var elapsed = time.GetElapsedTime(started).TotalMilliseconds;
        await store.RecordAsync(new CrmActivity(CrmSyncStore.ScheduledRun, result.Outcome, time.GetUtcNow(), elapsed, result.Detail, usage), CancellationToken.None).ConfigureAwait(false);
        await store.PruneActivityAsync(time.GetUtcNow() - ActivityKept, CancellationToken.None).ConfigureAwait(false);
        IntegrationTelemetry.Record("crm", CrmSyncStore.ScheduledRun, result.Outcome, elapsed, usage);
        Log.RunFinished(logger, result.Outcome, result.Detail);
    }

    private string AccountQuery(DateTimeOffset? watermark)
    {
        var fields = AccountBaseFields.Concat(Options.AccountFields.Keys).Distinct(StringComparer.OrdinalIgnoreCase);
        return $"SELECT {string.Join(", ", fields)} FROM Account{Since(watermark, null)} ORDER BY SystemModstamp";
    }

    private string ContactQuery(DateTimeOffset? watermark)
    {
        var fields = ContactBaseFields.Concat(Options.ContactFields.Keys).Distinct(StringComparer.OrdinalIgnoreCase);
        return $"SELECT {string.Join(", ", fields)} FROM Contact{Since(watermark, "AccountId != null")} ORDER BY SystemModstamp";
    }

    // SOQL datetime literals are unquoted UTC.
    private static string Since(DateTimeOffset? watermark, string? condition)
    {
        var conditions = new[] { watermark is { } at ? $"SystemModstamp > {at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)}" : null, condition }.OfType<string>().ToList();
        return conditions.Count == 0 ? string.Empty : " WHERE " + string.Join(" AND ", conditions);
    }

    /// <summary>One object's changed records in <c>SystemModstamp</c> order; returns why the run was deferred, or null.</summary>
    private async Task<string?> SyncAsync(Run run, long started, string objectType, Func<DateTimeOffset?, string> query, Func<Run, JsonElement, CancellationToken, Task> apply, CancellationToken cancellationToken)
    {
        var watermark = await store.GetWatermarkAsync(objectType, cancellationToken).ConfigureAwait(false);
        var done = watermark;
        DateTimeOffset? current = null;
        string? deferred = null;
        try
        {
            await foreach (var record in salesforce.QueryAsync(query(watermark), cancellationToken).ConfigureAwait(false))
            {
                if (salesforce.LastUsage is { } usage && usage.Percent >= salesforceOptions.Value.UsageCeilingPercent)
                {
                    deferred = $"Salesforce API usage {usage.Used}/{usage.Allocated} ({usage.Percent:0.#} %) passed {SalesforceOptions.UsageCeilingSetting} ({salesforceOptions.Value.UsageCeilingPercent} %): deferred to the next run";
                    break;
                }

                var modstamp = Text(record, "SystemModstamp") is { } stamp && DateTimeOffset.TryParse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
                    ? parsed
                    : throw new SalesforceApiException(System.Net.HttpStatusCode.OK, SalesforceApiException.MalformedAnswer, $"Salesforce sent a {objectType} without a SystemModstamp");
                if (current is { } previous && modstamp > previous)
                {
                    // Every record stamped 'previous' is done; the next run starts after it.
                    done = previous;
                }

                if (time.GetElapsedTime(started) >= Options.RunBudget)
                {
                    deferred = $"the run's time budget ({Options.RunBudget.TotalMinutes:0.#} minutes) is used up: the next run continues from this {objectType}";
                    break;
                }

                current = modstamp;
                await apply(run, record, cancellationToken).ConfigureAwait(false);
            }

            if (deferred is null && current is not null)
            {
                done = current;
            }
        }
        finally
        {
            if (done is { } advanced && advanced != watermark)
            {
                await store.SetWatermarkAsync(objectType, advanced, CancellationToken.None).ConfigureAwait(false);
            }
        }

        return deferred;
    }

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

    /// <summary>What one run has done so far.</summary>
    private sealed class Run
    {
        public int Applied { get; set; }

        public int Unchanged { get; set; }

        public int Parked { get; set; }

        public int Skipped { get; set; }

        public string Summary => $"{Applied} applied, {Unchanged} unchanged, {Parked} parked, {Skipped} not linked";
    }

    private static partial class Log
    {
        [LoggerMessage(8201, LogLevel.Information, "CRM sync run: {Outcome}: {Detail}")]
        public static partial void RunFinished(ILogger logger, string outcome, string detail);

        [LoggerMessage(8202, LogLevel.Warning, "CRM sync parked {ObjectType} {RecordId}: {Reason}")]
        public static partial void Parked(ILogger logger, string objectType, string recordId, string reason);
    }
}
