using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Scalekit.Webhooks.Cli;

/// <summary>Recovery of missed Stripe events: start one and follow it until it completes or fails.</summary>
internal sealed partial class OperationsCommands
{
    private Command Reconcile()
    {
        var since = new Option<string>("--since") { Description = "Recover events created at or after this ISO 8601 time (at most 30 days back), e.g. 2026-12-01T00:00:00Z", Required = true };
        var noWait = new Option<bool>("--no-wait") { Description = "Start it and print its status URL without following it" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to follow it before giving up (it keeps running)", DefaultValueFactory = _ => 600 };
        var stripe = Common(new Command("stripe", "List Stripe's events since --since and send the ones this receiver never got through the event queue, marked recovered. Follows the run until it is done."),
            since, noWait, timeout);
        stripe.SetAction(async (result, cancellationToken) =>
        {
            if (await OpsClientAsync(result) is not { } client)
            {
                return CliApp.UsageError;
            }

            var body = JsonSerializer.Serialize(new Dictionary<string, string?> { ["since"] = result.GetValue(since) });
            using (client.Http)
            {
                var started = await CallAsync(result, () => client.Ops.PostJsonAsync("ops/reconcile/stripe", body, cancellationToken));
                if (started is not { IsSuccess: true } answer)
                {
                    return started is null ? CliApp.Unavailable : Exit(started);
                }

                var id = Field(answer.Body, "id")!;
                await output.WriteLineAsync($"Started Stripe event recovery {id} over events since {Field(answer.Body, "since")}; status: {Field(answer.Body, "status_url")}");
                return result.GetValue(noWait)
                    ? ReportRun(answer.Body, result.GetValue(_json))
                    : await FollowRunAsync(result, client.Ops, id, answer.Body, TimeSpan.FromSeconds(Math.Max(1, result.GetValue(timeout))), cancellationToken);
            }
        });
        return new Command("reconcile", "Recover events whose webhook delivery was missed.") { stripe };
    }

    /// <summary>Polls the run until it completes or fails, printing its counts whenever they change.</summary>
    private async Task<int> FollowRunAsync(ParseResult result, OpsClient client, string id, JsonElement status, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        string? shown = null;
        while (true)
        {
            var line = $"  {Field(status, "state")}: {Counts(status)}";
            if (line != shown)
            {
                shown = line;
                await output.WriteLineAsync(line);
            }

            if (Field(status, "state") is "completed" or "failed")
            {
                return ReportRun(status, result.GetValue(_json));
            }

            if (clock.Elapsed > timeout)
            {
                await error.WriteLineAsync($"Recovery {id} is still {Field(status, "state")} after {timeout.TotalSeconds:0} s; it goes on. Its status: /api/ops/reconcile/{id}");
                return CliApp.Unavailable;
            }

            await Task.Delay(OnboardingPollInterval, cancellationToken);
            var answer = await CallAsync(result, () => client.GetAsync($"ops/reconcile/{Uri.EscapeDataString(id)}", cancellationToken));
            if (answer is not { IsSuccess: true })
            {
                return answer is null ? CliApp.Unavailable : Exit(answer);
            }

            status = answer.Body;
        }
    }

    private int ReportRun(JsonElement status, bool json)
    {
        var lastError = Field(status, "last_error") is { Length: > 0 } why ? $"\nlast error: {why}" : string.Empty;
        output.WriteLine(json ? status.GetRawText() : $"recovery {Field(status, "id")}: {Field(status, "state")} (since {Field(status, "since")}): {Counts(status)}{lastError}");
        return Field(status, "state") == "failed" ? CliApp.Refused : CliApp.Success;
    }

    private static string Counts(JsonElement status) => string.Create(CultureInfo.InvariantCulture,
        $"{Field(status, "listed")} listed, {Field(status, "already_known")} already known, {Field(status, "queued")} queued, {Field(status, "failed")} failed");
}
