using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Telemetry;

namespace Scalekit.Webhooks.Onboarding;

/// <summary>
/// One-call customer onboarding across Scalekit, Salesforce and Stripe. <see cref="StartAsync"/> records the request
/// and queues it on <c>onboarding-steps</c>; <see cref="HandleAsync"/> (the queue trigger) runs the steps in order,
/// recording each one as it finishes, so a retry resumes at the first unfinished step. Before creating an
/// organization or a user it looks them up by external id, so a crash between "created" and "recorded" never creates
/// a second one. A transient failure (5xx, 429, timeout, an unreadable answer) is recorded on the step and thrown
/// for the queue to retry; a refusal that no retry can change (a 4xx, a limit) fails the onboarding with the reason.
/// </summary>
public sealed partial class CustomerOnboarding(
    OnboardingStore store,
    StorageClients clients,
    IServiceProvider services,
    IOptions<ScalekitOptions> scalekitOptions,
    IOptions<SalesforceOptions> salesforceOptions,
    IOptions<StripeApiOptions> stripeOptions,
    IOptions<OnboardingOptions> onboardingOptions,
    TimeProvider time,
    ILogger<CustomerOnboarding> logger)
{
    /// <summary>Organization metadata keys the onboarding writes.</summary>
    public static readonly IReadOnlyList<string> MetadataKeys = ["plan_type", "salesforce_account_id", "stripe_customer_id", "onboarding_status"];

    public const string OrganizationIdField = "Scalekit_Organization_ID__c";
    public const string AdminUserIdField = "Scalekit_Admin_User_ID__c";
    public const string StatusField = "Onboarding_Status__c";
    public const string AdminRole = "admin";

    /// <summary>How long one run may hold an onboarding before another consumer may take over (a crashed run's lease lapses).</summary>
    public static readonly TimeSpan RunLease = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Starts the onboarding of <paramref name="request"/>'s Stripe customer, or returns the one it already has. An
    /// existing onboarding that has not completed is queued again: a failed one resumes at its failed step, and one
    /// whose message was lost continues. Steps never run twice at once (<see cref="OnboardingStore.TryLeaseAsync"/>).
    /// </summary>
    public async Task<OnboardingStart> StartAsync(OnboardingRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (record, created) = await store.AddOrGetAsync(OnboardingRecord.Start(request, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        if (record.Status == OnboardingStatus.Completed)
        {
            return new OnboardingStart(record, created, Queued: false);
        }

        if (record.Status == OnboardingStatus.Failed)
        {
            var now = time.GetUtcNow();
            record = record with
            {
                Status = OnboardingStatus.Running,
                Reason = null,
                UpdatedAt = now,
                Steps = [.. record.Steps.Select(s => s.Status == OnboardingStatus.Failed ? s with { Status = OnboardingStatus.Pending, Attempts = 0, UpdatedAt = now } : s)],
            };
            await store.SaveAsync(record, cancellationToken).ConfigureAwait(false);
            Log.Resumed(logger, record.Id);
        }

        await clients.Queue(StorageNames.OnboardingQueue)
            .SendMessageAsync(BinaryData.FromObjectAsJson(new { onboarding_id = record.Id }), cancellationToken: cancellationToken).ConfigureAwait(false);
        return new OnboardingStart(record, created, Queued: true);
    }

    public Task<OnboardingRecord?> GetAsync(string id, CancellationToken cancellationToken = default) => store.GetAsync(id, cancellationToken);

    /// <summary>Runs the onboarding named by one <c>onboarding-steps</c> message from its first unfinished step.</summary>
    public async Task HandleAsync(BinaryData message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (IdOf(message) is not { } id)
        {
            Log.Unreadable(logger);
            return;
        }

        // Another consumer is running it: retried by the queue, this message then finds it finished (or resumes it
        // when that run crashed and its lease lapsed).
        var lease = await store.TryLeaseAsync(id, RunLease, cancellationToken).ConfigureAwait(false) ?? throw new OnboardingInProgressException(id);

        var started = time.GetTimestamp();
        try
        {
            if (await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { Status: OnboardingStatus.Running } record)
            {
                return;
            }

            foreach (var step in Enum.GetValues<OnboardingStep>())
            {
                var state = record[step];
                if (state.IsFinished)
                {
                    continue;
                }

                StepResult result;
                try
                {
                    result = await RunAsync(step, record, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    var (permanent, reason) = Classify(ex);
                    var attempts = state.Attempts + 1;
                    var givesUp = permanent || attempts >= onboardingOptions.Value.MaxAttempts;
                    var now = time.GetUtcNow();
                    record = record.With(state with { Status = givesUp ? OnboardingStatus.Failed : OnboardingStatus.Pending, Attempts = attempts, LastError = Bounded(reason) }, now);
                    if (givesUp)
                    {
                        var why = permanent ? reason : $"gave up after {attempts} attempts: {reason}";
                        record = record with { Status = OnboardingStatus.Failed, Reason = Bounded($"{step.Name()}: {why}") };
                        await store.SaveAsync(record, CancellationToken.None).ConfigureAwait(false);
                        Log.Failed(logger, id, step.Name(), why);
                        Record("failure", started);
                        return;
                    }

                    await store.SaveAsync(record, CancellationToken.None).ConfigureAwait(false);
                    Log.StepRetry(logger, ex, id, step.Name(), attempts);
                    Record("retry", started);
                    throw;
                }

                record = record.With(state with { Status = result.Status, Detail = Bounded(result.Detail), Attempts = state.Attempts + 1, LastError = null }, time.GetUtcNow()) with
                {
                    OrganizationId = result.OrganizationId ?? record.OrganizationId,
                    AdminUserId = result.AdminUserId ?? record.AdminUserId,
                };
                await store.SaveAsync(record, CancellationToken.None).ConfigureAwait(false);
                Log.StepFinished(logger, id, step.Name(), result.Status);
            }

            var finished = time.GetUtcNow();
            await store.SaveAsync(record with { Status = OnboardingStatus.Completed, UpdatedAt = finished, CompletedAt = finished }, CancellationToken.None).ConfigureAwait(false);
            Log.Completed(logger, id, record.OrganizationId);
            Record("success", started);
        }
        finally
        {
            await store.ReleaseAsync(lease, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>One run's outcome (success, failure, retry) and duration in the integration metrics.</summary>
    private void Record(string outcome, long started) =>
        IntegrationTelemetry.Record("onboarding", "run", outcome, time.GetElapsedTime(started).TotalMilliseconds, null);

    private Task<StepResult> RunAsync(OnboardingStep step, OnboardingRecord record, CancellationToken cancellationToken) => step switch
    {
        OnboardingStep.Organization => OrganizationAsync(record, cancellationToken),
        OnboardingStep.AdminUser => AdminUserAsync(record, cancellationToken),
        OnboardingStep.SalesforceAccount => SalesforceAccountAsync(record, cancellationToken),
        OnboardingStep.StripeCustomer => StripeCustomerAsync(record, cancellationToken),
        _ => CompletionAsync(record, cancellationToken),
    };

    private async Task<StepResult> OrganizationAsync(OnboardingRecord record, CancellationToken cancellationToken)
    {
        var options = scalekitOptions.Value;
        if (!options.IsConfigured)
        {
            return StepResult.Skipped(options.CredentialsProblem
                ?? $"Scalekit API access is not configured ({ScalekitOptions.EnvironmentUrlSetting}, {ScalekitOptions.ClientIdSetting}, {ScalekitOptions.ClientSecretSetting}).");
        }

        var request = record.Request;
        var desired = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["plan_type"] = request.PlanType,
            ["stripe_customer_id"] = request.StripeCustomerId,
            ["onboarding_status"] = "in_progress",
        };
        if (request.SalesforceAccountId is { } account)
        {
            desired["salesforce_account_id"] = account;
        }

        var client = services.GetRequiredService<ScalekitClient>();
        if (await client.FindByExternalIdAsync(request.StripeCustomerId, cancellationToken).ConfigureAwait(false) is not { } organization)
        {
            if (MetadataBudget.Validate(desired) is { } problem)
            {
                throw new OnboardingRefusedException(problem);
            }

            var created = await client.CreateAsync(request.CompanyName, request.StripeCustomerId, desired, cancellationToken).ConfigureAwait(false);
            return StepResult.Done($"created organization {created.Id} with external id {request.StripeCustomerId}{await LinkAsync(created.Id, request, cancellationToken).ConfigureAwait(false)}", created.Id);
        }

        // Created by an earlier attempt whose answer was lost, or by someone else: make its metadata say what was asked.
        var merge = MetadataBudget.Merge(organization.Metadata, MetadataKeys.ToHashSet(), desired, "onboarding");
        if (!merge.Fits)
        {
            throw new OnboardingRefusedException(merge.Refusal!);
        }

        if (merge.Changed)
        {
            await client.UpdateMetadataAsync(organization.Id, merge.Metadata, $"{record.Id}-organization", cancellationToken).ConfigureAwait(false);
        }

        return StepResult.Done($"found organization {organization.Id} by external id {request.StripeCustomerId}{(merge.Changed ? "; metadata set" : string.Empty)}{await LinkAsync(organization.Id, request, cancellationToken).ConfigureAwait(false)}", organization.Id);
    }

    /// <summary>Links the organization to the request's Salesforce account for the CRM sync (as its metadata says too).</summary>
    private async Task<string> LinkAsync(string organizationId, OnboardingRequest request, CancellationToken cancellationToken)
    {
        if (request.SalesforceAccountId is not { } account)
        {
            return string.Empty;
        }

        await services.GetRequiredService<AccountLinks>().LinkAsync(organizationId, account, cancellationToken).ConfigureAwait(false);
        return $"; linked to Salesforce account {account}";
    }

    private async Task<StepResult> AdminUserAsync(OnboardingRecord record, CancellationToken cancellationToken)
    {
        if (record.OrganizationId is not { } organizationId)
        {
            return StepResult.Skipped("there is no Scalekit organization (the organization step was skipped).");
        }

        var request = record.Request;
        var client = services.GetRequiredService<ScalekitUserClient>();
        if (await client.FindUserByExternalIdAsync(request.AdminExternalId, cancellationToken).ConfigureAwait(false) is not { } user)
        {
            ScalekitUser created;
            try
            {
                created = await client.CreateUserAsync(organizationId, new ScalekitNewUser(request.AdminEmail, request.AdminExternalId, new Dictionary<string, string>(), null, [AdminRole]), sendInvitationEmail: true, cancellationToken).ConfigureAwait(false);
            }
            catch (ScalekitApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.Conflict)
            {
                // Not ours (ours would have been found by its external id): a user with this email exists already.
                throw new OnboardingRefusedException($"Scalekit refused to create the admin user: a user with this email exists already with another external id ({ex.ApiMessage}). Give it external id {request.AdminExternalId}, or onboard with another admin_email.");
            }

            return StepResult.Done($"created admin user {created.Id} with role {AdminRole} (invitation email sent)", adminUserId: created.Id);
        }

        if (user.MembershipIn(organizationId) is not { } membership)
        {
            await client.CreateMembershipAsync(organizationId, user.Id, [AdminRole], sendInvitationEmail: true, cancellationToken).ConfigureAwait(false);
            return StepResult.Done($"found user {user.Id} by external id; added a membership with role {AdminRole}", adminUserId: user.Id);
        }

        if (!membership.Roles.Contains(AdminRole, StringComparer.Ordinal))
        {
            await client.UpdateMembershipRolesAsync(organizationId, user.Id, [.. membership.Roles, AdminRole], cancellationToken).ConfigureAwait(false);
            return StepResult.Done($"found user {user.Id} by external id; added role {AdminRole} to the membership", adminUserId: user.Id);
        }

        return StepResult.Done($"found user {user.Id} by external id with role {AdminRole}", adminUserId: user.Id);
    }

    private async Task<StepResult> SalesforceAccountAsync(OnboardingRecord record, CancellationToken cancellationToken)
    {
        if (record.Request.SalesforceAccountId is not { } account)
        {
            return StepResult.Skipped("the request names no salesforce_account_id.");
        }

        if (SalesforceSkipReason() is { } why)
        {
            return StepResult.Skipped(why);
        }

        if (record.OrganizationId is not { } organizationId)
        {
            return StepResult.Skipped("there is no Scalekit organization to write (the organization step was skipped).");
        }

        await services.GetRequiredService<SalesforceClient>().UpdateAsync("Account", account, new Dictionary<string, object?>
        {
            [OrganizationIdField] = organizationId,
            [AdminUserIdField] = record.AdminUserId,
            [StatusField] = "In Progress",
        }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return StepResult.Done($"account {account}: {OrganizationIdField}, {AdminUserIdField}, {StatusField}=In Progress");
    }

    private async Task<StepResult> StripeCustomerAsync(OnboardingRecord record, CancellationToken cancellationToken)
    {
        var options = stripeOptions.Value;
        if (!options.IsConfigured)
        {
            return StepResult.Skipped(options.Problem ?? $"Stripe API access is not configured ({StripeApiOptions.ApiKeySetting} is not set).");
        }

        if (record.OrganizationId is not { } organizationId)
        {
            return StepResult.Skipped("there is no Scalekit organization to write (the organization step was skipped).");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["scalekit_org_id"] = organizationId };
        if (record.AdminUserId is { } userId)
        {
            metadata["scalekit_admin_user_id"] = userId;
        }

        await services.GetRequiredService<StripeCustomerMetadata>().UpdateAsync(record.Request.StripeCustomerId, metadata, cancellationToken).ConfigureAwait(false);
        return StepResult.Done($"customer {record.Request.StripeCustomerId}: metadata {string.Join(", ", metadata.Keys)}");
    }

    private async Task<StepResult> CompletionAsync(OnboardingRecord record, CancellationToken cancellationToken)
    {
        if (record.OrganizationId is not { } organizationId)
        {
            return StepResult.Skipped("there is no Scalekit organization (the organization step was skipped).");
        }

        var client = services.GetRequiredService<ScalekitClient>();
        var organization = await client.GetAsync(organizationId, cancellationToken).ConfigureAwait(false)
            ?? throw new OnboardingRefusedException($"organization {organizationId} no longer exists in Scalekit.");
        var merge = MetadataBudget.Merge(organization.Metadata, ["onboarding_status"], new Dictionary<string, string> { ["onboarding_status"] = OnboardingStatus.Completed }, "onboarding");
        if (!merge.Fits)
        {
            throw new OnboardingRefusedException(merge.Refusal!);
        }

        if (merge.Changed)
        {
            await client.UpdateMetadataAsync(organizationId, merge.Metadata, $"{record.Id}-completion", cancellationToken).ConfigureAwait(false);
        }

        var detail = $"organization {organizationId}: onboarding_status=completed";
        if (record[OnboardingStep.SalesforceAccount].Status == OnboardingStatus.Done && record.Request.SalesforceAccountId is { } account)
        {
            await services.GetRequiredService<SalesforceClient>().UpdateAsync("Account", account, new Dictionary<string, object?> { [StatusField] = "Completed" }, cancellationToken: cancellationToken).ConfigureAwait(false);
            detail += $"; account {account}: {StatusField}=Completed";
        }

        return StepResult.Done(detail);
    }

    private string? SalesforceSkipReason()
    {
        var options = salesforceOptions.Value;
        return options.IsConfigured ? null : options.Problem
            ?? $"Salesforce is not configured ({SalesforceOptions.InstanceUrlSetting}, {SalesforceOptions.ClientIdSetting}, {SalesforceOptions.ClientSecretSetting}).";
    }

    /// <summary>Whether no retry can change the outcome, and what to tell the operator.</summary>
    internal static (bool Permanent, string Reason) Classify(Exception exception) => exception switch
    {
        OnboardingRefusedException refused => (true, refused.Message),
        // A create whose answer cannot be read may have happened: the retry looks the organization or user up first.
        ScalekitMalformedAnswerException malformed => (false, $"unreadable answer: {malformed.Message}"),
        ScalekitApiException scalekit => (!scalekit.IsTransient, scalekit.Message),
        // An exhausted API allocation recovers within the day: retried like an outage.
        SalesforceApiException salesforce => (!salesforce.IsTransient && !salesforce.IsLimitExceeded, salesforce.Message),
        StripeWriteException stripe => (!stripe.IsTransient, stripe.Message),
        JsonException or FormatException or KeyNotFoundException => (false, $"unreadable answer: {exception.Message}"),
        _ => (false, $"{exception.GetType().Name}: {exception.Message}"),
    };

    private static string? IdOf(BinaryData message)
    {
        try
        {
            using var document = JsonDocument.Parse(message.ToMemory());
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("onboarding_id", out var id) && id.ValueKind == JsonValueKind.String
                ? id.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Bounded(string text) => text.Length <= 1000 ? text : text[..1000] + "…";

    private sealed record StepResult(string Status, string Detail, string? OrganizationId, string? AdminUserId)
    {
        public static StepResult Done(string detail, string? organizationId = null, string? adminUserId = null) => new(OnboardingStatus.Done, detail, organizationId, adminUserId);

        public static StepResult Skipped(string why) => new(OnboardingStatus.Skipped, why, null, null);
    }

    private static partial class Log
    {
        [LoggerMessage(9501, LogLevel.Information, "Onboarding {OnboardingId}: step {Step} {Status}")]
        public static partial void StepFinished(ILogger logger, string onboardingId, string step, string status);

        [LoggerMessage(9502, LogLevel.Warning, "Onboarding {OnboardingId}: step {Step} failed (attempt {Attempt}); the queue retries it")]
        public static partial void StepRetry(ILogger logger, Exception exception, string onboardingId, string step, int attempt);

        [LoggerMessage(9503, LogLevel.Error, "Onboarding {OnboardingId} failed at step {Step}: {Reason}")]
        public static partial void Failed(ILogger logger, string onboardingId, string step, string reason);

        [LoggerMessage(9504, LogLevel.Information, "Onboarding {OnboardingId} completed (organization {OrganizationId})")]
        public static partial void Completed(ILogger logger, string onboardingId, string? organizationId);

        [LoggerMessage(9506, LogLevel.Warning, "An onboarding-steps message names no onboarding_id; dropped")]
        public static partial void Unreadable(ILogger logger);

        [LoggerMessage(9507, LogLevel.Information, "Onboarding {OnboardingId} failed earlier and was requested again; it resumes at its failed step")]
        public static partial void Resumed(ILogger logger, string onboardingId);
    }
}

/// <summary>The onboarding as it stands after a start request: whether this request created it and whether it was queued.</summary>
public sealed record OnboardingStart(OnboardingRecord Record, bool Created, bool Queued);

/// <summary>A step that can never succeed as things are (a metadata limit, a conflicting user); it fails the onboarding with this reason.</summary>
public sealed class OnboardingRefusedException(string reason) : Exception(reason);

/// <summary>Another consumer is running this onboarding's steps; the queue retries the message.</summary>
public sealed class OnboardingInProgressException(string id) : Exception($"Onboarding {id} is being run by another consumer; this message will be retried.");
