using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Scalekit.Webhooks.Operations;

namespace Scalekit.Webhooks.Cli;

/// <summary>Privacy and accountability: erase one person's data (and follow the job), and read the audit trail.</summary>
internal sealed partial class OperationsCommands
{
    private Command Erase()
    {
        var email = new Option<string?>("--email") { Description = "The person's email address" };
        var userId = new Option<string?>("--user-id") { Description = "The person's Scalekit user id (usr_…)" };
        var directoryUserId = new Option<string?>("--directory-user-id") { Description = "The person's directory user id (diruser_…)" };
        var noWait = new Option<bool>("--no-wait") { Description = "Start the job and print its status URL without following it" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to follow the job before giving up (it keeps running)", DefaultValueFactory = _ => 600 };
        var command = Common(new Command("erase", "Erase one person's personal data from every store (a job on the erasure-jobs queue); follows it until it completes."),
            email, userId, directoryUserId, noWait, timeout);
        command.SetAction(async (result, cancellationToken) =>
        {
            var given = new[] { ("email", result.GetValue(email)), ("user_id", result.GetValue(userId)), ("directory_user_id", result.GetValue(directoryUserId)) }
                .Where(s => !string.IsNullOrWhiteSpace(s.Item2)).ToList();
            if (given.Count != 1)
            {
                await error.WriteLineAsync("Give exactly one of --email, --user-id, --directory-user-id.");
                return CliApp.UsageError;
            }

            if (await OpsClientAsync(result) is not { } client)
            {
                return CliApp.UsageError;
            }

            using (client.Http)
            {
                var json = JsonSerializer.Serialize(new Dictionary<string, string> { [given[0].Item1] = given[0].Item2! });
                var started = await CallAsync(result, () => client.Ops.PostJsonAsync("ops/erasure", json, cancellationToken));
                if (started is not { IsSuccess: true } answer)
                {
                    return started is null ? CliApp.Unavailable : Exit(started);
                }

                var job = answer.Body.Deserialize<ErasureJobView>(OpsJson.Options)!;
                await output.WriteLineAsync($"Started erasure {job.JobId}; status: {job.StatusUrl}");
                var deadline = Stopwatch.StartNew();
                while (!result.GetValue(noWait) && job.State != "completed")
                {
                    if (deadline.Elapsed > TimeSpan.FromSeconds(Math.Max(1, result.GetValue(timeout))))
                    {
                        await error.WriteLineAsync($"Erasure {job.JobId} is still {job.State}; it goes on. Status: {job.StatusUrl}");
                        return CliApp.Unavailable;
                    }

                    await Task.Delay(OnboardingPollInterval, cancellationToken);
                    var polled = await CallAsync(result, () => client.Ops.GetAsync($"ops/erasure/{Uri.EscapeDataString(job.JobId)}", cancellationToken));
                    if (polled is not { IsSuccess: true } status)
                    {
                        return polled is null ? CliApp.Unavailable : Exit(polled);
                    }

                    job = status.Body.Deserialize<ErasureJobView>(OpsJson.Options)!;
                }

                await output.WriteLineAsync(result.GetValue(_json) ? JsonSerializer.Serialize(job, OpsJson.Options) : Describe(job));
                return CliApp.Success;
            }
        });
        return command;
    }

    private static string Describe(ErasureJobView job)
    {
        var erased = TextTable.Render(["store", "erased"], job.Erased.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => (IReadOnlyList<string?>)[e.Key, Number(e.Value)]));
        var gaps = string.Concat(job.NotSearched.Select(gap => $"\nnot searched: {gap.Store}: {gap.Reason}"));
        var error = job.LastError is { } last ? $", last error {last}" : string.Empty;
        return $"erasure {job.JobId} (by {job.SubjectKind}): {job.State}{error}\nErased {job.Erased.Values.Sum()} item(s).\n\n{erased}{gaps}";
    }

    private Command Audit()
    {
        var pageSize = new Option<int>("--page-size") { Description = "Rows per page", DefaultValueFactory = _ => 50 };
        var continuation = new Option<string?>("--continuation") { Description = "Token from the previous page" };
        var action = new Option<string?>("--action") { Description = "Only this action (replay, bulk-replay, re-sync, erasure, onboarding, reconcile, …)" };
        var from = new Option<string?>("--from") { Description = "Entries at or after this ISO 8601 time" };
        var to = new Option<string?>("--to") { Description = "Entries before this ISO 8601 time" };
        var command = Common(new Command("audit", "Changes made through the operations API, newest first."), pageSize, continuation);
        command.Options.Add(action);
        command.Options.Add(from);
        command.Options.Add(to);
        command.SetAction((result, cancellationToken) => RunAsync(result, "ops/audit" + Query(
            ("action", result.GetValue(action)), ("from", result.GetValue(from)), ("to", result.GetValue(to)),
            ("pageSize", result.GetValue(pageSize).ToString(CultureInfo.InvariantCulture)), ("continuationToken", result.GetValue(continuation))), HttpMethod.Get,
            Typed<OpsPage<AuditEntryView>>(page => Page(page, ["at", "action", "target", "outcome", "caller", "key"], row =>
            [
                Time(row.At), row.Action, Shorten(row.Target), Shorten(row.Outcome), row.CallerAddress, row.KeyFingerprint,
            ])), cancellationToken));
        return command;
    }
}
