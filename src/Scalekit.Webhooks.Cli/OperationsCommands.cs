using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Scalekit.Webhooks.Operations;

namespace Scalekit.Webhooks.Cli;

/// <summary>Operator commands over the operations API: stats, dead letters, replays and the event log.</summary>
internal sealed partial class OperationsCommands(TextWriter output, TextWriter error, HttpMessageHandler? handler, Func<IConfiguration> settings)
{
    private static readonly HashSet<string> FirstShardQueues = [.. Ingest.EventSources.Sources
        .SelectMany(source => new[] { Storage.StorageNames.QueueFor(source), Storage.StorageNames.PoisonQueueFor(source) })];

    private readonly Option<string> _url = new("--url") { Description = "Base URL of the receiver", DefaultValueFactory = _ => "http://127.0.0.1:7071" };
    private readonly Option<string?> _key = new("--key") { Description = "Operations key (default: ADMIN_API_KEY from the environment or local.settings.json)" };
    private readonly Option<bool> _json = new("--json") { Description = "Print the API's JSON instead of a table" };

    public IEnumerable<Command> Build()
    {
        yield return Stats();
        yield return DeadLetters();
        yield return Replay();
        yield return Events();
        yield return Erase();
        yield return Audit();
        yield return Organizations();
        yield return Customers();
        yield return Employees();
        yield return Onboard();
        yield return OnboardingStatus();
        yield return Onboardings();
        yield return Reconcile();
        yield return Hr();
    }

    private Command Stats()
    {
        var window = new Option<string>("--window") { Description = "Time window: seconds, or a number with m, h or d", DefaultValueFactory = _ => "24h" };
        var command = Common(new Command("stats", "Queue depths, event counts, processing latency and parked dead letters."), window);
        command.SetAction((result, cancellationToken) => RunAsync(result, $"ops/stats?window={Uri.EscapeDataString(result.GetValue(window)!)}", HttpMethod.Get, Typed<StatsView>(stats =>
        {
            // Shard 0 of every queue always; a further shard only while it holds messages (there are 16 per source).
            var queues = TextTable.Render(["queue", "messages"], stats.Queues
                .Where(q => FirstShardQueues.Contains(q.Key) || q.Value != 0)
                .Select(q => (IReadOnlyList<string?>)[q.Key, Number(q.Value)]));
            var events = TextTable.Render(["source", "type", "status", "count"], stats.Events
                .Select(e => (IReadOnlyList<string?>)[e.Source, e.Type, e.Status, Number(e.Count)]));
            var latency = stats.ProcessingLatencyMs;
            var integrations = string.Concat(stats.Integrations.Select(i =>
                $"\n{i.Name} sync: {i.Status} ({i.Mode}), {i.Successes} succeeded, {i.Failures} failed, last success {Time(i.LastSuccessAt) ?? "never"}, average {Decimal(i.AverageDurationMs) ?? "-"} ms{(i.ApiUsage is { } usage ? $", API usage {Decimal(usage.Percent)} %" : string.Empty)}"));
            return $"{queues}\n\n{events}\n\nprocessing latency p50 {Decimal(latency.P50)} ms, p95 {Decimal(latency.P95)} ms ({latency.Samples} events)\nparked dead letters: {stats.Parked}{integrations}";
        }), cancellationToken));
        return command;
    }

    private Command DeadLetters()
    {
        var source = new Option<string?>("--source") { Description = Ingest.EventSources.Names };
        var type = new Option<string?>("--type") { Description = "Event type" };
        var status = new Option<string?>("--status") { Description = "parked, replayed or resolved" };
        var pageSize = new Option<int>("--page-size") { Description = "Rows per page", DefaultValueFactory = _ => 50 };
        var continuation = new Option<string?>("--continuation") { Description = "Token from the previous page" };
        var list = Common(new Command("list", "List dead letters (parked events)."), source, type, status, pageSize, continuation);
        list.SetAction((result, cancellationToken) => RunAsync(result, "ops/dead-letters" + Query(
            ("source", result.GetValue(source)), ("type", result.GetValue(type)), ("status", result.GetValue(status)),
            ("pageSize", result.GetValue(pageSize).ToString(CultureInfo.InvariantCulture)), ("continuationToken", result.GetValue(continuation))), HttpMethod.Get,
            Typed<OpsPage<DeadLetterView>>(page => Page(page, ["source", "event id", "type", "status", "replays", "last failure", "reason"], row =>
            [
                row.Source, row.EventId, row.EventType, row.Status, Number(row.ReplayCount), Time(row.LastFailureAt), Shorten(row.Reason),
            ])), cancellationToken));
        return new Command("dead-letters", "Work with parked events.") { list };
    }

    private Command Replay()
    {
        var source = new Argument<string?>("source") { Description = Ingest.EventSources.Names, Arity = ArgumentArity.ZeroOrOne };
        var eventId = new Argument<string?>("eventId") { Description = "Event id (evt_…)", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Replay every parked dead letter (filtered by --source/--type); a dry run unless --yes" };
        var filterSource = new Option<string?>("--source") { Description = "With --all: only this source" };
        var type = new Option<string?>("--type") { Description = "With --all: only this event type" };
        var yes = new Option<bool>("--yes") { Description = "With --all: really replay (otherwise only count)" };
        var fromLog = new Option<bool>("--from-event-log") { Description = "Re-apply the event from its stored payload even if it was processed" };
        var command = Common(new Command("replay", "Replay a dead letter, all of them, or any event from the event log."), all, filterSource, type, yes, fromLog);
        command.Arguments.Add(source);
        command.Arguments.Add(eventId);
        command.SetAction(async (result, cancellationToken) =>
        {
            if (result.GetValue(all))
            {
                var dryRun = !result.GetValue(yes);
                return await RunAsync(result, "ops/dead-letters/replay" + Query(("source", result.GetValue(filterSource)), ("type", result.GetValue(type)), ("dryRun", dryRun ? "true" : "false")), HttpMethod.Post,
                    Typed<BulkReplayView>(body => dryRun ? $"{body.WouldReplay} dead letters would be replayed. Run again with --yes to replay them." : $"{body.Replayed} dead letters replayed."),
                    cancellationToken);
            }

            if (result.GetValue(source) is not { } src || result.GetValue(eventId) is not { } id)
            {
                await error.WriteLineAsync("Give <source> <eventId>, or --all.");
                return CliApp.UsageError;
            }

            var path = result.GetValue(fromLog) ? $"ops/events/{Uri.EscapeDataString(src)}/{Uri.EscapeDataString(id)}/replay" : $"ops/dead-letters/{Uri.EscapeDataString(src)}/{Uri.EscapeDataString(id)}/replay";
            return await RunAsync(result, path, HttpMethod.Post, _ => $"Replayed {src} {id}: it is back in its queue.", cancellationToken);
        });
        return command;
    }

    private Command Events()
    {
        var source = new Argument<string>("source") { Description = Ingest.EventSources.Names };
        var eventId = new Argument<string>("eventId") { Description = "Event id (evt_…)" };
        var show = Common(new Command("show", "Show one event's ledger row: status, attempts, last error, times."));
        show.Arguments.Add(source);
        show.Arguments.Add(eventId);
        show.SetAction((result, cancellationToken) => RunAsync(result, $"ops/events/{Uri.EscapeDataString(result.GetValue(source)!)}/{Uri.EscapeDataString(result.GetValue(eventId)!)}", HttpMethod.Get,
            body => TextTable.Render(["field", "value"], body.EnumerateObject().Where(p => p.Name != "payload").Select(p => (IReadOnlyList<string?>)[p.Name, Shorten(p.Value.ToString())])), cancellationToken));

        var filterSource = new Option<string?>("--source") { Description = Ingest.EventSources.Names };
        var type = new Option<string?>("--type") { Description = "Event type" };
        var status = new Option<string?>("--status") { Description = "processed, failed, parked, …" };
        var organization = new Option<string?>("--org") { Description = "Organization id" };
        var customer = new Option<string?>("--customer") { Description = "Stripe customer id" };
        var pageSize = new Option<int>("--page-size") { Description = "Rows per page", DefaultValueFactory = _ => 50 };
        var list = Common(new Command("list", "Search the event log."), filterSource, type, status, organization, customer, pageSize);
        list.SetAction((result, cancellationToken) => RunAsync(result, "ops/events" + Query(
            ("source", result.GetValue(filterSource)), ("type", result.GetValue(type)), ("status", result.GetValue(status)),
            ("organizationId", result.GetValue(organization)), ("customerId", result.GetValue(customer)), ("pageSize", result.GetValue(pageSize).ToString(CultureInfo.InvariantCulture))), HttpMethod.Get,
            Typed<OpsPage<EventView>>(page => Page(page, ["source", "event id", "type", "status", "attempts", "received"], row =>
            [
                row.Source, row.EventId, row.EventType, row.Status, Number(row.Attempts), Time(row.ReceivedAt),
            ])), cancellationToken));
        return new Command("events", "Read the event log.") { show, list };
    }

    private Command Organizations() => SearchCommand<OrganizationSummaryView>(
        new Command("organizations", "Organizations in id order, or those a search finds (name, id, external id, domain)."),
        "Text in the name, id or external id, or a domain the organization lists", "ops/organizations",
        ["id", "name", "external id", "region", "updated", "deleted"],
        row => [row.Id, Shorten(row.DisplayName), row.ExternalId, row.RegionCode, row.UpdateTime, Time(row.DeletedAt)]);

    private Command Customers() => SearchCommand<CustomerSummaryView>(
        new Command("customers", "Stripe customers in id order, or those a search finds (customer id, organization id, or part of an email a checkout recorded)."),
        "Text in the customer or organization id; with an @, part of a customer's email", "ops/customers",
        ["customer", "organization", "email", "subscription", "plan", "last sync", "synced"],
        row => [row.CustomerId, row.OrganizationId, row.Email, row.SubscriptionStatus, row.Plan, row.LastSyncResult, Time(row.LastSyncAt)]);

    /// <summary>A paged list the API searches with <c>q</c>, printed as a table.</summary>
    private Command SearchCommand<T>(Command command, string searchDescription, string path, IReadOnlyList<string> headers, Func<T, IReadOnlyList<string?>> row)
    {
        var search = new Option<string?>("--search") { Description = searchDescription };
        var pageSize = new Option<int>("--page-size") { Description = "Rows per page", DefaultValueFactory = _ => 50 };
        var continuation = new Option<string?>("--continuation") { Description = "Token from the previous page" };
        Common(command, pageSize, continuation).Options.Add(search);
        command.SetAction((result, cancellationToken) => RunAsync(result, path + Query(
            ("q", result.GetValue(search)), ("pageSize", result.GetValue(pageSize).ToString(CultureInfo.InvariantCulture)), ("continuationToken", result.GetValue(continuation))), HttpMethod.Get,
            Typed<OpsPage<T>>(page => Page(page, headers, row)), cancellationToken));
        return command;
    }

    private Command Employees()
    {
        var organization = new Argument<string>("orgId") { Description = "Scalekit organization id (org_…)" };
        var pageSize = new Option<int>("--page-size") { Description = "Rows per page", DefaultValueFactory = _ => 50 };
        var continuation = new Option<string?>("--continuation") { Description = "Token from the previous page" };
        var command = Common(new Command("employees", "An organization's employees as the HR sync left them: Scalekit user, status, last event and sync result."), pageSize, continuation);
        command.Arguments.Add(organization);
        command.SetAction((result, cancellationToken) => RunAsync(result, $"ops/organizations/{Uri.EscapeDataString(result.GetValue(organization)!)}/employees" + Query(
            ("pageSize", result.GetValue(pageSize).ToString(CultureInfo.InvariantCulture)), ("continuationToken", result.GetValue(continuation))), HttpMethod.Get,
            Typed<OpsPage<EmployeeView>>(page => Page(page, ["employee id", "email", "scalekit user", "status", "last event", "last sync", "detail"], row =>
            [
                row.EmployeeId, row.Email, row.ScalekitUserId, row.Status, row.LastEvent?.Type, row.LastSync.Result, Shorten(row.LastSync.Detail),
            ])), cancellationToken));
        return command;
    }

    private Command Common(Command command, params Option[] options)
    {
        command.Options.Add(_url);
        command.Options.Add(_key);
        command.Options.Add(_json);
        foreach (var option in options)
        {
            command.Options.Add(option);
        }

        return command;
    }

    private async Task<int> RunAsync(ParseResult result, string path, HttpMethod method, Func<JsonElement, string> render, CancellationToken cancellationToken, string? json = null)
    {
        var key = result.GetValue(_key) ?? settings()["ADMIN_API_KEY"];
        if (string.IsNullOrWhiteSpace(key))
        {
            await error.WriteLineAsync("No operations key: pass --key, or set ADMIN_API_KEY (environment or local.settings.json; './run.sh' creates one).");
            return CliApp.UsageError;
        }

        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        var client = new OpsClient(http, new Uri(result.GetValue(_url)!), key);
        OpsAnswer answer;
        try
        {
            answer = method == HttpMethod.Delete ? await client.DeleteAsync(path, cancellationToken)
                : json is not null ? await client.PostJsonAsync(path, json, cancellationToken)
                : method == HttpMethod.Post ? await client.PostAsync(path, cancellationToken)
                : await client.GetAsync(path, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            await error.WriteLineAsync($"Cannot reach {result.GetValue(_url)}: {ex.Message}");
            return CliApp.Unavailable;
        }

        if (result.GetValue(_json))
        {
            await output.WriteLineAsync(answer.Body.ValueKind == JsonValueKind.Undefined ? "{}" : answer.Body.GetRawText());
        }
        else if (answer.IsSuccess)
        {
            await output.WriteLineAsync(render(answer.Body));
        }
        else
        {
            var detail = answer.Body.ValueKind == JsonValueKind.Object && answer.Body.TryGetProperty("detail", out var d) ? d.GetString() : null;
            await error.WriteLineAsync($"{(int)answer.StatusCode} {answer.StatusCode}: {detail}");
        }

        return answer.IsSuccess ? CliApp.Success : (int)answer.StatusCode >= 500 ? CliApp.Unavailable : CliApp.Refused;
    }

    /// <summary>Reads the answer as the operations API's own response type before rendering it.</summary>
    private static Func<JsonElement, string> Typed<T>(Func<T, string> render) =>
        body => render(body.Deserialize<T>(OpsJson.Options) ?? throw new JsonException($"The answer is not a {typeof(T).Name}."));

    private static string Page<T>(OpsPage<T> page, IReadOnlyList<string> headers, Func<T, IReadOnlyList<string?>> row)
    {
        var table = TextTable.Render(headers, page.Items.Select(row));
        return page.ContinuationToken is { } next ? $"{table}\n\nmore: --continuation {next}" : table;
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string? Decimal(double? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static string? Time(DateTimeOffset? value) => value?.ToString("O", CultureInfo.InvariantCulture);

    private static string Query(params (string Name, string? Value)[] parameters)
    {
        var present = parameters.Where(p => !string.IsNullOrWhiteSpace(p.Value)).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return present.Count == 0 ? string.Empty : "?" + string.Join('&', present);
    }

    private static string? Shorten(string? text) => text is { Length: > 80 } ? text[..77] + "..." : text;
}
