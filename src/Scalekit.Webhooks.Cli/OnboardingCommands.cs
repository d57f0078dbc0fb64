using System.CommandLine;
using System.Globalization;
using System.Diagnostics;
using System.Text.Json;

namespace Scalekit.Webhooks.Cli;

/// <summary>Customer onboarding: start one and follow it until it completes or fails, or show where one stands.</summary>
internal sealed partial class OperationsCommands
{
    private static readonly TimeSpan OnboardingPollInterval = TimeSpan.FromSeconds(1);

    private Command Onboard()
    {
        var company = new Option<string>("--company") { Description = "Company name (the organization's display name)", Required = true };
        var adminEmail = new Option<string>("--admin-email") { Description = "The admin user's email", Required = true };
        var plan = new Option<string>("--plan") { Description = "Plan type, kept in the organization's metadata", Required = true };
        var customer = new Option<string>("--stripe-customer") { Description = "Stripe customer id (cus_…): the organization's external id", Required = true };
        var account = new Option<string?>("--salesforce-account") { Description = "Salesforce Account id (001…) to write the Scalekit ids to" };
        var noWait = new Option<bool>("--no-wait") { Description = "Start it and print its status URL without following it" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to follow it before giving up (it keeps running)", DefaultValueFactory = _ => 300 };
        var command = Common(new Command("onboard", "Onboard a customer: Scalekit organization and admin user, Salesforce account, Stripe customer. Follows its steps until it completes."),
            company, adminEmail, plan, customer, account, noWait, timeout);
        command.SetAction(async (result, cancellationToken) =>
        {
            if (await OpsClientAsync(result) is not { } client)
            {
                return CliApp.UsageError;
            }

            var body = JsonSerializer.Serialize(new Dictionary<string, string?>
            {
                ["company_name"] = result.GetValue(company),
                ["admin_email"] = result.GetValue(adminEmail),
                ["plan_type"] = result.GetValue(plan),
                ["stripe_customer_id"] = result.GetValue(customer),
                ["salesforce_account_id"] = result.GetValue(account),
            });
            using (client.Http)
            {
                var started = await CallAsync(result, () => client.Ops.PostJsonAsync("ops/onboarding", body, cancellationToken));
                if (started is not { IsSuccess: true } answer)
                {
                    return started is null ? CliApp.Unavailable : Exit(started);
                }

                var id = Field(answer.Body, "onboarding_id")!;
                await output.WriteLineAsync(answer.Body.TryGetProperty("created", out var created) && created.ValueKind == JsonValueKind.True
                    ? $"Started onboarding {id}; status: {Field(answer.Body, "status_url")}"
                    : $"Stripe customer {result.GetValue(customer)} already has onboarding {id} ({Field(answer.Body, "status")}); status: {Field(answer.Body, "status_url")}");
                return result.GetValue(noWait)
                    ? Report(answer.Body, result.GetValue(_json))
                    : await FollowAsync(result, client.Ops, id, answer.Body, TimeSpan.FromSeconds(Math.Max(1, result.GetValue(timeout))), cancellationToken);
            }
        });
        return command;
    }

    private Command OnboardingStatus()
    {
        var id = new Argument<string>("onboardingId") { Description = "Onboarding id (onb_…), as 'onboard' printed it" };
        var command = Common(new Command("onboarding", "Show where an onboarding stands: its status, ids and every step."));
        command.Arguments.Add(id);
        command.SetAction((result, cancellationToken) => RunAsync(result, $"ops/onboarding/{Uri.EscapeDataString(result.GetValue(id)!)}", HttpMethod.Get, Describe, cancellationToken));
        return command;
    }

    private Command Onboardings()
    {
        var status = new Option<string?>("--status") { Description = "Only those running, completed or failed" };
        var pageSize = new Option<int>("--page-size") { Description = "Rows per page", DefaultValueFactory = _ => 50 };
        var continuation = new Option<string?>("--continuation") { Description = "Token from the previous page" };
        var command = Common(new Command("onboardings", "List onboardings: customer, status, organization, when started, and why one failed."), status, pageSize, continuation);
        command.SetAction((result, cancellationToken) => RunAsync(result, "ops/onboarding" + Query(
            ("status", result.GetValue(status)), ("pageSize", result.GetValue(pageSize).ToString(CultureInfo.InvariantCulture)), ("continuationToken", result.GetValue(continuation))), HttpMethod.Get,
            DescribeList, cancellationToken));
        return command;
    }

    private static string DescribeList(JsonElement page)
    {
        var table = TextTable.Render(["onboarding", "stripe customer", "status", "organization", "started", "reason"], page.GetProperty("items").EnumerateArray().Select(item => (IReadOnlyList<string?>)
        [
            Field(item, "onboarding_id"), Field(item, "stripe_customer_id"), Field(item, "status"), Field(item, "organization_id"), Field(item, "started_at"), Shorten(Field(item, "reason")),
        ]));
        return Field(page, "continuation_token") is { } next ? $"{table}\n\nmore: --continuation {next}" : table;
    }

    /// <summary>Polls the status until the onboarding leaves <c>running</c>, printing each step as it finishes.</summary>
    private async Task<int> FollowAsync(ParseResult result, OpsClient client, string id, JsonElement status, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var shown = new Dictionary<string, string>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            foreach (var step in status.GetProperty("steps").EnumerateArray())
            {
                var detail = Field(step, "detail") ?? Field(step, "last_error");
                var line = $"  {Field(step, "name")}: {Field(step, "status")}{(string.IsNullOrEmpty(detail) ? string.Empty : $" ({detail})")}";
                if (Field(step, "status") != "pending" || Field(step, "last_error") is not null)
                {
                    if (!shown.TryGetValue(Field(step, "name")!, out var before) || before != line)
                    {
                        shown[Field(step, "name")!] = line;
                        await output.WriteLineAsync(line);
                    }
                }
            }

            if (Field(status, "status") != "running")
            {
                return Report(status, result.GetValue(_json));
            }

            if (clock.Elapsed > timeout)
            {
                await error.WriteLineAsync($"Onboarding {id} is still running after {timeout.TotalSeconds:0} s; it goes on. See: onboarding {id}");
                return CliApp.Unavailable;
            }

            await Task.Delay(OnboardingPollInterval, cancellationToken);
            var answer = await CallAsync(result, () => client.GetAsync($"ops/onboarding/{Uri.EscapeDataString(id)}", cancellationToken));
            if (answer is not { IsSuccess: true })
            {
                return answer is null ? CliApp.Unavailable : Exit(answer);
            }

            status = answer.Body;
        }
    }

    private int Report(JsonElement status, bool json)
    {
        output.WriteLine(json ? status.GetRawText() : Describe(status));
        return Field(status, "status") switch
        {
            "failed" => CliApp.Refused,
            _ => CliApp.Success,
        };
    }

    private static string Describe(JsonElement status)
    {
        var steps = TextTable.Render(["step", "status", "attempts", "detail", "last error", "at"], status.GetProperty("steps").EnumerateArray().Select(step => (IReadOnlyList<string?>)
        [
            Field(step, "name"), Field(step, "status"), Field(step, "attempts"), Shorten(Field(step, "detail")), Shorten(Field(step, "last_error")), Field(step, "updated_at"),
        ]));
        var reason = Field(status, "reason") is { Length: > 0 } why ? $"\nreason: {why}" : string.Empty;
        return $"onboarding {Field(status, "onboarding_id")}: {Field(status, "status")}{reason}\n" +
            $"organization {Field(status, "organization_id") ?? "-"}, admin user {Field(status, "admin_user_id") ?? "-"}, Stripe customer {Field(status, "stripe_customer_id")}, Salesforce account {Field(status, "salesforce_account_id") ?? "-"}\n\n{steps}";
    }

    private async Task<(HttpClient Http, OpsClient Ops)?> OpsClientAsync(ParseResult result)
    {
        var key = result.GetValue(_key) ?? settings()["ADMIN_API_KEY"];
        if (string.IsNullOrWhiteSpace(key))
        {
            await error.WriteLineAsync("No operations key: pass --key, or set ADMIN_API_KEY (environment or local.settings.json; './run.sh' creates one).");
            return null;
        }

        var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        return (http, new OpsClient(http, new Uri(result.GetValue(_url)!), key));
    }

    /// <summary>The answer, or null (after saying so) when the receiver cannot be reached. A refusal is printed.</summary>
    private async Task<OpsAnswer?> CallAsync(ParseResult result, Func<Task<OpsAnswer>> call)
    {
        try
        {
            var answer = await call();
            if (!answer.IsSuccess)
            {
                var detail = answer.Body.ValueKind == JsonValueKind.Object && answer.Body.TryGetProperty("detail", out var d) ? d.GetString() : null;
                await error.WriteLineAsync($"{(int)answer.StatusCode} {answer.StatusCode}: {detail}");
            }

            return answer;
        }
        catch (HttpRequestException ex)
        {
            await error.WriteLineAsync($"Cannot reach {result.GetValue(_url)}: {ex.Message}");
            return null;
        }
    }

    /// <summary>A field's text, or null when it is absent or JSON null.</summary>
    private static string? Field(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.ToString()
            : null;

    private static int Exit(OpsAnswer answer) => (int)answer.StatusCode >= 500 ? CliApp.Unavailable : CliApp.Refused;
}
