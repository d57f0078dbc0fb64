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
/// resumes where it stopped. How one Account or Contact is applied is in <c>CrmScheduledSync.Records.cs</c>.
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
