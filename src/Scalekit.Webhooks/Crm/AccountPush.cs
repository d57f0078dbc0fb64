using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;
using Scalekit.Webhooks.Telemetry;

namespace Scalekit.Webhooks.Crm;

/// <summary>One account update to make: the organization whose facts changed, the event that changed them, and a login time.</summary>
public sealed record AccountPushRequest(string OrganizationId, string EventId, DateTimeOffset? LoginAt = null)
{
    public BinaryData ToMessage() => BinaryData.FromObjectAsJson(new { organization_id = OrganizationId, event_id = EventId, login_at = LoginAt });

    public static AccountPushRequest FromMessage(BinaryData message)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var document = JsonDocument.Parse(message);
        var root = document.RootElement;
        return new AccountPushRequest(
            root.GetProperty("organization_id").GetString() ?? throw new FormatException("An account update names no organization_id."),
            root.TryGetProperty("event_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString()! : string.Empty,
            root.TryGetProperty("login_at", out var at) && at.ValueKind == JsonValueKind.String ? at.GetDateTimeOffset() : null);
    }
}

/// <summary>How one account update ended.</summary>
public sealed record AccountPushResult(string Outcome, string Detail, IReadOnlyDictionary<string, object?> Sent);

/// <summary>
/// Scalekit → Salesforce: writes the linked account's Scalekit-owned fields (active users from the read model,
/// subscription status from the billing state, last login) after a Scalekit event. It reads the account with its ETag,
/// sends only the fields that differ in one PATCH with <c>If-Match</c>, and on 412 reads again and retries. It runs
/// from its own queue, so a Salesforce outage never holds Scalekit processing: transient failures are retried by the
/// queue; a refusal that no retry changes is recorded and dropped (the next event recomputes every field anyway).
/// </summary>
public sealed partial class AccountPush(
    SalesforceClient salesforce,
    IOptions<SalesforceOptions> salesforceOptions,
    IOptions<CrmOptions> crmOptions,
    AccountLinks links,
    CustomerBillingStore billing,
    CrmSyncStore store,
    OrganizationStore organizations,
    MembershipStore memberships,
    StorageClients clients,
    Ownership ownership,
    TimeProvider time,
    ILogger<AccountPush> logger)
{
    /// <summary>Reads after a 412 before the message goes back to the queue.</summary>
    public const int MaxConflicts = 3;

    public const string Unchanged = "unchanged";

    public Task EnqueueAsync(AccountPushRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return clients.Queue(StorageNames.CrmPushQueue).SendMessageAsync(request.ToMessage(), cancellationToken: cancellationToken);
    }

    /// <summary>The queue trigger's entry point.</summary>
    public async Task HandleAsync(BinaryData message, CancellationToken cancellationToken = default)
    {
        AccountPushRequest request;
        try
        {
            request = AccountPushRequest.FromMessage(message);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            Log.Unreadable(logger, ex.Message);
            return;
        }

        await PushAsync(request, cancellationToken).ConfigureAwait(false);
    }

    public async Task<AccountPushResult?> PushAsync(AccountPushRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!salesforceOptions.Value.IsConfigured
            || await links.FindAccountAsync(request.OrganizationId, cancellationToken).ConfigureAwait(false) is not { } accountId)
        {
            return null;
        }

        var started = time.GetTimestamp();
        AccountPushResult result;
        try
        {
            result = await WriteAsync(request, accountId, cancellationToken).ConfigureAwait(false);
        }
        catch (SalesforceApiException ex) when (!ex.IsTransient && ex is not SalesforceConflictException)
        {
            result = new AccountPushResult(CrmSyncStore.Failure, $"account {accountId} of {request.OrganizationId}: {ex.Message}; dropped (the next event writes every field again)", new Dictionary<string, object?>());
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            await RecordAsync(new AccountPushResult(CrmSyncStore.Failure, $"account {accountId} of {request.OrganizationId}: {ex.GetType().Name}: {ex.Message}; the queue retries", new Dictionary<string, object?>()), started).ConfigureAwait(false);
            throw;
        }

        await RecordAsync(result, started).ConfigureAwait(false);
        return result;
    }

    private async Task RecordAsync(AccountPushResult result, long started)
    {
        var elapsed = time.GetElapsedTime(started).TotalMilliseconds;
        var outcome = result.Outcome == Unchanged ? CrmSyncStore.Success : result.Outcome;
        await store.RecordAsync(new CrmActivity(CrmSyncStore.AccountPush, outcome, time.GetUtcNow(), elapsed, result.Detail, salesforce.LastUsage), CancellationToken.None).ConfigureAwait(false);
        IntegrationTelemetry.Record("crm", CrmSyncStore.AccountPush, outcome, elapsed, salesforce.LastUsage);
        Log.Pushed(logger, result.Outcome, result.Detail);
    }

    /// <summary>The push fields whose Salesforce field the CRM sync owns (another writer's, such as onboarding's, is left alone).</summary>
    private Dictionary<string, string> PushFields => crmOptions.Value.PushFields
        .Where(p => ownership.Owns(FactWriter.Crm, FactKind.SalesforceField, p.Value))
        .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    private async Task<AccountPushResult> WriteAsync(AccountPushRequest request, string accountId, CancellationToken cancellationToken)
    {
        var fields = PushFields;
        var desired = await DesiredAsync(request, cancellationToken).ConfigureAwait(false);
        for (var conflicts = 0; ; conflicts++)
        {
            var account = await salesforce.GetAsync("Account", accountId, fields.Values, cancellationToken).ConfigureAwait(false);
            if (account is null)
            {
                return new AccountPushResult(CrmSyncStore.Failure, $"account {accountId} linked to {request.OrganizationId} does not exist in Salesforce; nothing was written", new Dictionary<string, object?>());
            }

            var changes = Changes(account.Fields, desired, fields);
            if (changes.Count == 0)
            {
                return new AccountPushResult(Unchanged, $"account {accountId} already holds {request.OrganizationId}'s facts; nothing was sent", changes);
            }

            try
            {
                await salesforce.UpdateAsync("Account", accountId, changes, account.ETag, cancellationToken).ConfigureAwait(false);
                return new AccountPushResult(CrmSyncStore.Success, $"account {accountId}: {string.Join(", ", changes.Keys)} written for {request.OrganizationId}", changes);
            }
            catch (SalesforceConflictException) when (conflicts + 1 < MaxConflicts)
            {
                Log.Conflict(logger, accountId);
            }
        }
    }

    /// <summary>The facts as Scalekit and billing hold them now; a null fact is left as the account has it.</summary>
    private async Task<Dictionary<string, object?>> DesiredAsync(AccountPushRequest request, CancellationToken cancellationToken)
    {
        var fields = PushFields;
        var desired = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (fields.ContainsKey(CrmOptions.ActiveUsers))
        {
            desired[CrmOptions.ActiveUsers] = await ActiveUsersAsync(request.OrganizationId, cancellationToken).ConfigureAwait(false);
        }

        if (fields.ContainsKey(CrmOptions.SubscriptionStatus) && await SubscriptionStatusAsync(request.OrganizationId, cancellationToken).ConfigureAwait(false) is { } status)
        {
            desired[CrmOptions.SubscriptionStatus] = status;
        }

        if (fields.ContainsKey(CrmOptions.LastLogin) && request.LoginAt is { } login)
        {
            desired[CrmOptions.LastLogin] = login;
        }

        return desired;
    }

    /// <summary>Fields whose value differs from the account's; a last login only ever moves forward.</summary>
    internal static Dictionary<string, object?> Changes(JsonElement account, IReadOnlyDictionary<string, object?> desired, IReadOnlyDictionary<string, string> fields)
    {
        var changes = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (fact, value) in desired)
        {
            var field = fields[fact];
            var current = account.ValueKind == JsonValueKind.Object && account.TryGetProperty(field, out var v) ? v : default;
            switch (value)
            {
                case int count when !(current.ValueKind == JsonValueKind.Number && current.TryGetDecimal(out var held) && held == count):
                    changes[field] = count;
                    break;
                case string text when !(current.ValueKind == JsonValueKind.String && current.GetString() == text):
                    changes[field] = text;
                    break;
                case DateTimeOffset at when !(current.ValueKind == JsonValueKind.String
                    && ParseDateTime(current.GetString()) is { } heldAt
                    && heldAt >= at.AddTicks(-(at.Ticks % TimeSpan.TicksPerSecond))):
                    changes[field] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
                    break;
            }
        }

        return changes;
    }

    /// <summary>Reads Salesforce's <c>2026-11-26T03:00:00.000+0000</c> (offset without a colon) and ISO 8601.</summary>
    internal static DateTimeOffset? ParseDateTime(string? value)
    {
        if (value is { Length: > 5 } && value[^5] is '+' or '-' && value[^4..].All(char.IsAsciiDigit))
        {
            value = value[..^2] + ":" + value[^2..];
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : null;
    }

    /// <summary>Members of the organization in the read model whose membership is active.</summary>
    private Task<int> ActiveUsersAsync(string organizationId, CancellationToken cancellationToken) =>
        memberships.ActiveMembersAsync(organizationId, cancellationToken);

    /// <summary>The governing subscription's status of the Stripe customer that is the organization's external id.</summary>
    private async Task<string?> SubscriptionStatusAsync(string organizationId, CancellationToken cancellationToken)
    {
        if (await organizations.GetAsync(organizationId, cancellationToken).ConfigureAwait(false) is not { ExternalId: { } customerId }
            || await billing.GetAsync(customerId, cancellationToken).ConfigureAwait(false) is not { State: { } state })
        {
            return null;
        }

        return state.DeletedAt is not null ? "deleted" : state.Status;
    }

    private static partial class Log
    {
        [LoggerMessage(8211, LogLevel.Information, "CRM account update: {Outcome}: {Detail}")]
        public static partial void Pushed(ILogger logger, string outcome, string detail);

        [LoggerMessage(8212, LogLevel.Information, "Salesforce account {AccountId} changed since it was read (412); reading it again")]
        public static partial void Conflict(ILogger logger, string accountId);

        [LoggerMessage(8213, LogLevel.Warning, "An account update message could not be read and is dropped: {Reason}")]
        public static partial void Unreadable(ILogger logger, string reason);
    }
}
