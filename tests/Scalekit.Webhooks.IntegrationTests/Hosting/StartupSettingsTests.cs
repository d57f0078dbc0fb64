using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.LocalHost;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;
using Scalekit.Webhooks.Testing;

namespace Scalekit.Webhooks.IntegrationTests.Hosting;

/// <summary>A setting that makes no sense stops the real host at start, with a message naming the setting and its range.</summary>
public class NonsenseSettingsStopStartTests
{
    [Theory]
    [InlineData("SCALEKIT_MAX_RETRIES", "-1", "SCALEKIT_MAX_RETRIES must be a whole number from 0 to 10")]
    [InlineData("SCALEKIT_RETRY_BASE_DELAY_MS", "soon", "SCALEKIT_RETRY_BASE_DELAY_MS must be a number of milliseconds")]
    [InlineData("SCALEKIT_ATTEMPT_TIMEOUT_MS", "0", "SCALEKIT_ATTEMPT_TIMEOUT_MS must be a number of milliseconds from 100")]
    [InlineData("SCALEKIT_CIRCUIT_BREAK_SECONDS", "-3", "SCALEKIT_CIRCUIT_BREAK_SECONDS must be a number of seconds")]
    [InlineData("DEADLETTER_REPLAY_SCHEDULE", "every five minutes", "DEADLETTER_REPLAY_SCHEDULE must be a six-field cron expression")]
    [InlineData("DEADLETTER_REPLAY_SCHEDULE", "0 */5 * * *", "DEADLETTER_REPLAY_SCHEDULE must be a six-field cron expression")]
    [InlineData("DEADLETTER_MAX_REPLAYS", "-2", "DEADLETTER_MAX_REPLAYS must be a whole number from 0 to 100")]
    [InlineData("DEADLETTER_REPLAY_BASE_DELAY_SECONDS", "NaN", "DEADLETTER_REPLAY_BASE_DELAY_SECONDS must be a number of seconds")]
    [InlineData("DEADLETTER_REPLAY_LEASE_SECONDS", "0", "DEADLETTER_REPLAY_LEASE_SECONDS must be a number of seconds from 1")]
    [InlineData("LEDGER_CLAIM_LEASE_SECONDS", "0", "LEDGER_CLAIM_LEASE_SECONDS must be a number of seconds from 1")]
    [InlineData("WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS", "0", "WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS must be a number of seconds from 1 to 86400")]
    [InlineData("WEBHOOK_MAX_BODY_BYTES", "10", "WEBHOOK_MAX_BODY_BYTES must be a whole number from 1024 to 67108864")]
    [InlineData("STRIPE_API_VERSION_MISMATCH", "maybe", "STRIPE_API_VERSION_MISMATCH must be 'accept' or 'reject'")]
    [InlineData("AzureFunctionsJobHost:extensions:queues:batchSize", "64", "AzureFunctionsJobHost__extensions__queues__batchSize must be a whole number from 1 to 32")]
    [InlineData("AzureFunctionsJobHost:extensions:queues:maxDequeueCount", "0", "AzureFunctionsJobHost__extensions__queues__maxDequeueCount must be a whole number from 1 to 100")]
    [InlineData("AzureFunctionsJobHost:extensions:queues:visibilityTimeout", "half a minute", "AzureFunctionsJobHost__extensions__queues__visibilityTimeout must be a duration")]
    [InlineData("LOCAL_QUEUE_PROCESSING_LEASE_SECONDS", "-1", "LOCAL_QUEUE_PROCESSING_LEASE_SECONDS must be a number of seconds")]
    [InlineData("BILLING_PLAN_MAP", "{\"pro\":{\"plan\":\"pro\",\"features\":[\"directory_sync\"]}}", "names the feature 'directory_sync', which Scalekit does not know; known features: sso, dir_sync")]
    [InlineData("BILLING_METADATA_MODE", "verbose", "BILLING_METADATA_MODE must be 'keys' or 'compact'")]
    [InlineData("BILLING_METADATA_KEYS", "plan_type=x", "BILLING_METADATA_KEYS: 'plan_type=x' must be default=name")]
    [InlineData("BILLING_LATE_LINK_WINDOW_HOURS", "0", "BILLING_LATE_LINK_WINDOW_HOURS must be a number of hours from 0.0001 to 8760")]
    [InlineData("STATE_STORAGE", "https://acct.table.core.windows.net", "STATE_STORAGE must be a storage connection string")]
    [InlineData("LEDGER_STORAGE:credential", "managedidentity", "LEDGER_STORAGE__accountName must be set for identity-based access")]
    [InlineData("PAYLOAD_STORAGE:accountName", "My_Account", "PAYLOAD_STORAGE__accountName must be a storage account name")]
    [InlineData("STATE_STORAGE:tableServiceUri", "acct.table.core.windows.net", "STATE_STORAGE__tableServiceUri must be an absolute http(s) URL")]
    public async Task Start_NonsenseValue_FailsNamingTheSettingAndItsRange(string setting, string value, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            [IngestOptions.ScalekitSecretSetting] = WebhookSigner.NewScalekitSecret(),
            [IngestOptions.StripeSecretSetting] = WebhookSigner.NewStripeSecret(),
            ["LOCAL_QUEUE_TRIGGERS_ENABLED"] = "false",
            ["LOCAL_TIMERS_ENABLED"] = "false",
            ["LOCAL_PRINT_BANNER"] = "false",
            ["LOCAL_SETTINGS_PATH"] = Path.Combine(Path.GetTempPath(), "skfn-no-local-settings.json"),
            [setting] = value,
        };
        await using var app = LocalHostApp.Build(["--urls", "http://127.0.0.1:0"], settings);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());

        var validation = error as OptionsValidationException ?? Assert.IsType<OptionsValidationException>(Assert.Single(Assert.IsType<AggregateException>(error).InnerExceptions));
        Assert.Contains(expected, validation.Message, StringComparison.Ordinal);
    }
}

/// <summary>A local host whose Scalekit webhook secret is broken; everything else is configured and consuming.</summary>
public abstract class BrokenScalekitSecretFixture : LocalHostFixture
{
    public abstract string BrokenValue { get; }

    protected override bool QueueTriggersEnabled => true;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        [IngestOptions.ScalekitSecretSetting] = BrokenValue,
    };
}

public sealed class PlaceholderSecretFixture : BrokenScalekitSecretFixture
{
    public override string BrokenValue => "placeholder";
}

public sealed class UnresolvedKeyVaultReferenceFixture : BrokenScalekitSecretFixture
{
    public override string BrokenValue => "@Microsoft.KeyVault(SecretUri=https://kv-skfn.vault.azure.net/secrets/scalekit-webhook-secret/)";
}

/// <summary>A broken webhook secret switches off that sender alone: the app, the other sender, the consumers and the operations API keep working.</summary>
public abstract class BrokenSecretDegradesOneSenderTests(BrokenScalekitSecretFixture host)
{
    [Fact]
    public async Task ScalekitDelivery_Gets503NamingTheSetting_AndIsNotStored()
    {
        var body = Deliveries.ScalekitBody();
        using var response = await host.Client.PostAsync("scalekit", body, Deliveries.SignScalekit(body, WebhookSigner.NewScalekitSecret()));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        var problem = await response.JsonAsync();
        Assert.Equal("not_configured", problem.GetProperty("reason").GetString());
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains(IngestOptions.ScalekitSecretSetting, detail, StringComparison.Ordinal);
        Assert.DoesNotContain(host.BrokenValue, detail, StringComparison.Ordinal);
        Assert.DoesNotContain("kv-skfn", detail, StringComparison.Ordinal);
        Assert.Empty(await host.PeekAllAsync(StorageNames.QueueFor(ScalekitSource.Id)));
    }

    [Fact]
    public async Task StripeDelivery_IsAcceptedAndProcessed()
    {
        var eventId = SampleIds.New("evt_");
        var body = Deliveries.StripeBody("invoice.paid", eventId);
        using var response = await host.Client.PostAsync("stripe", body, Deliveries.SignStripe(body, host.StripeSecret));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        var ledger = host.Host.Services.GetRequiredService<EventLedgerQueries>();
        var row = await Poll.UntilAsync(
            async () => await ledger.FindAsync(StripeSource.Id, eventId) is { } found && found.Status.IsFinal() ? found : null,
            "the Stripe event reaches a final ledger status");
        Assert.Equal(ProcessingStatus.Processed, row.Status);
    }

    [Fact]
    public async Task OperationsApi_KeepsAnswering()
    {
        using var response = await host.OpsAsync(HttpMethod.Get, "/api/ops/stats");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public void StartUp_LogsOneErrorNamingTheSettingButNotTheValue()
    {
        var startUp = host.Logs.Entries.Where(entry => entry.Category.EndsWith("StartupSettingsReport", StringComparison.Ordinal)).ToList();

        var error = Assert.Single(startUp);
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Contains(IngestOptions.ScalekitSecretSetting, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(host.BrokenValue, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(host.BrokenValue, string.Join('\n', host.Logs.Entries.Select(entry => entry.Message)), StringComparison.Ordinal);
    }
}

public sealed class PlaceholderSecretTests(PlaceholderSecretFixture host) : BrokenSecretDegradesOneSenderTests(host), IClassFixture<PlaceholderSecretFixture>;

public sealed class UnresolvedKeyVaultReferenceTests(UnresolvedKeyVaultReferenceFixture host) : BrokenSecretDegradesOneSenderTests(host), IClassFixture<UnresolvedKeyVaultReferenceFixture>;

/// <summary>A local host given two of the three Scalekit API credentials.</summary>
public sealed class PartialScalekitCredentialsFixture : LocalHostFixture
{
    protected override bool QueueTriggersEnabled => true;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["SCALEKIT_ENVIRONMENT_URL"] = "https://example.scalekit.dev",
        ["SCALEKIT_CLIENT_ID"] = "skc_partial",
    };
}

public class PartialScalekitCredentialsTests(PartialScalekitCredentialsFixture host) : IClassFixture<PartialScalekitCredentialsFixture>
{
    [Fact]
    public void StartUp_LogsAnErrorNamingTheMissingSetting()
    {
        Assert.Contains(host.Logs.Entries, entry => entry.Level == LogLevel.Error && entry.Message.Contains("SCALEKIT_CLIENT_SECRET is not set", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BillingEvent_IsParkedWithTheReason_InsteadOfRunningDry()
    {
        var eventId = SampleIds.New("evt_");
        var body = Deliveries.StripeBody("customer.subscription.updated", eventId);
        using var response = await host.Client.PostAsync("stripe", body, Deliveries.SignStripe(body, host.StripeSecret));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        var ledger = host.Host.Services.GetRequiredService<EventLedgerQueries>();
        var row = await Poll.UntilAsync(
            async () => await ledger.FindAsync(StripeSource.Id, eventId) is { } found && found.Status.IsFinal() ? found : null,
            "the billing event reaches a final ledger status");
        Assert.Equal(ProcessingStatus.Parked, row.Status);
        Assert.Contains("SCALEKIT_CLIENT_SECRET is not set", row.Detail, StringComparison.Ordinal);
    }
}
