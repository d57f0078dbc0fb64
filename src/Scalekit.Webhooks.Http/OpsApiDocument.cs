using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using Microsoft.AspNetCore.Http;
using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Hr.Providers;
using Scalekit.Webhooks.Operations;

namespace Scalekit.Webhooks.Http;

/// <summary>One operations route as the OpenAPI document describes it.</summary>
/// <param name="Route">The route constant from <see cref="OpsRoutes"/>.</param>
/// <param name="Method">get or post.</param>
/// <param name="Summary">What the route does, in one line.</param>
/// <param name="Response">The body of its success answer; null for a free-form object.</param>
/// <param name="Query">Query parameters it reads.</param>
/// <param name="Problems">The 4xx statuses it answers with a problem body.</param>
/// <param name="Status">The status of its success answer.</param>
public sealed record OpsOperation(string Route, string Method, string Summary, Type? Response, string[] Query, int[] Problems, int Status = 200);

/// <summary>
/// The OpenAPI 3.1 document of the operations API, served at <c>GET /api/ops/openapi.json</c>. The routes are listed
/// here by hand; the schemas are generated from the response types, so they cannot drift from what is sent.
/// </summary>
public static class OpsApiDocument
{
    private static readonly string[] Paging = ["pageSize", "continuationToken"];

    /// <summary>Every operations route but the console page (HTML, not JSON).</summary>
    public static IReadOnlyList<OpsOperation> Operations { get; } =
    [
        new(OpsRoutes.Stats, "get", "Queue depths, event counts and latency per source, a time series, parked dead letters and integration health in a window (window=24h).", typeof(StatsView), ["window"], [400]),
        new(OpsRoutes.Events, "get", "Searches the event log.", typeof(OpsPage<EventView>), ["source", "type", "status", "from", "to", "organizationId", "customerId", .. Paging], [400]),
        new(OpsRoutes.Event, "get", "One event of the event log, with its payload (claim-checked bodies up to 4 MiB).", typeof(EventView), [], [400, 404]),
        new(OpsRoutes.EventReplay, "post", "Queues an event again from its stored payload, even if it was processed.", typeof(ReplayView), [], [400, 404, 409], 202),
        new(OpsRoutes.DeadLetters, "get", "Lists dead letters (status parked, replayed or resolved).", typeof(OpsPage<DeadLetterView>), ["source", "type", "status", .. Paging], [400]),
        new(OpsRoutes.DeadLettersReplay, "post", "Replays every parked dead letter that matches (a dry run that only counts unless dryRun=false; then 202).", typeof(BulkReplayView), ["source", "type", "dryRun"], [400]),
        new(OpsRoutes.DeadLetterReplay, "post", "Replays one parked dead letter.", typeof(ReplayView), [], [400, 404, 409], 202),
        new(OpsRoutes.Organizations, "get", "Organizations, paged, in id order; q searches name, id and external id (contains, any case) and domain (exact, first). With over_budget=true instead: those whose metadata has no room for billing's keys (OverBudgetView items).", typeof(OpsPage<OrganizationSummaryView>), ["q", "over_budget", .. Paging], [400]),
        new(OpsRoutes.Organization, "get", "An organization's state, counts, last applied event and billing.", typeof(OrganizationView), [], [404]),
        new(OpsRoutes.OrganizationDirectoryUsers, "get", "An organization's directory users.", typeof(OpsPage<DirectoryUserView>), Paging, []),
        new(OpsRoutes.OrganizationMembers, "get", "An organization's members.", typeof(OpsPage<MemberView>), Paging, []),
        new(OpsRoutes.OrganizationEmployees, "get", "An organization's employees as the HR sync left them.", typeof(OpsPage<EmployeeView>), Paging, []),
        new(OpsRoutes.Customers, "get", "Stripe customers known from billing events, paged, in id order; q searches the customer id and linked organization id (contains, any case), or with an @ the emails their checkouts recorded.", typeof(OpsPage<CustomerSummaryView>), ["q", .. Paging], [400]),
        new(OpsRoutes.Customer, "get", "A Stripe customer's subscriptions, entitlements, linked organization and billing sync.", typeof(CustomerView), [], [404]),
        new(OpsRoutes.CustomerSync, "post", "Writes the customer's billing state to its organization now (409 when refused or busy).", typeof(SyncResultView), [], [404, 409]),
        new(OpsRoutes.Erasure, "post", "Starts erasing one person's data as a job (202, its status URL in Location); the body names exactly one of email, user_id, directory_user_id.", typeof(ErasureJobView), [], [400], 202),
        new(OpsRoutes.ErasureJob, "get", "Where an erasure job stands: its state, what it erased per store, what it could not search and why.", typeof(ErasureJobView), [], [404]),
        new(OpsRoutes.Audit, "get", "Changes made through the operations API, newest first; action (exact, e.g. re-sync), from (inclusive) and to (exclusive) filter it.", typeof(OpsPage<AuditEntryView>), ["action", "from", "to", .. Paging], [400]),
        new(OpsRoutes.OnboardingStart, "post", "Starts onboarding a customer through its queue (202 when new, 200 for a request already made); see docs/onboarding.md.", null, [], [400], 202),
        new(OpsRoutes.OnboardingStart, "get", "Onboardings, paged; status (running, completed or failed) filters them. Items have the shape of one onboarding's status.", null, ["status", .. Paging], [400]),
        new(OpsRoutes.Onboarding, "get", "Where one onboarding stands: its status and steps.", null, [], [404]),
        new(OpsRoutes.ReconcileStripe, "post", "Recovers missed Stripe events created since the body's since (ISO 8601, at most 30 days back) through the event queue, marked recovered; 503 without STRIPE_API_KEY; see docs/billing.md.", typeof(RecoveryRunView), [], [400, 503], 202),
        new(OpsRoutes.Reconcile, "get", "Where one recovery run stands: state, since, counts (listed, already known, queued, failed) and its last error.", typeof(RecoveryRunView), [], [404]),
        new(OpsRoutes.HrConnections, "post", "Creates an HR connection (201): organization_id, provider and the provider's fields (GET ops/hr/providers, docs/hr.md). A generated signing_secret is in this answer only; 400 names a wrong field, 409 a routing value another live connection has, 503 a secret store that cannot be reached.", typeof(HrConnectionView), [], [400, 409, 413, 503], 201),
        new(OpsRoutes.HrConnections, "get", "HR connections, paged: those defined in settings first (defined_in settings, read only), then those created here. Secrets as fingerprints only. shared_routes: refusals and throttled deliveries on Merge's shared address that no connection took.", typeof(HrConnectionPage), Paging, [400]),
        new(OpsRoutes.HrConnection, "get", "One HR connection: its organization, provider fields, webhook URL and secret fingerprints (never a secret).", typeof(HrConnectionView), [], [404]),
        new(OpsRoutes.HrConnection, "delete", "Deletes an HR connection and its secrets (204); its deliveries are then refused 404. 409 for a connection defined in settings.", null, [], [404, 409, 503], 204),
        new(OpsRoutes.HrProviders, "get", "The HR systems a connection can be made to: each one's name, label and fields (secret ones are write-only and rotatable).", typeof(OpsPage<HrProviderView>), [], []),
        new(OpsRoutes.HrConnectionRotate, "post", "Rotates an HR connection's secrets: a generated signing_secret is replaced (the new one in this answer only; the old one accepted for HR_SECRET_ROTATION_GRACE_HOURS); other providers take their new secret fields (the secret ones of GET ops/hr/providers). 409 for a connection defined in settings.", typeof(HrConnectionView), [], [400, 404, 409, 413, 503]),
        new(OpsRoutes.OpenApi, "get", "This document.", null, [], []),
    ];

    private static readonly Lazy<byte[]> Document = new(() => JsonSerializer.SerializeToUtf8Bytes(Build()));

    public static async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        OpsResponseHeaders.Apply(context.Response);
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(Document.Value, context.RequestAborted);
    }

    /// <summary>The document as JSON.</summary>
    public static JsonObject Build()
    {
        var paths = new JsonObject();
        foreach (var operation in Operations)
        {
            var path = "/api/" + operation.Route;
            if (paths[path] is not JsonObject item)
            {
                paths[path] = item = new JsonObject();
            }

            item[operation.Method] = Describe(operation);
        }

        return new JsonObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JsonObject
            {
                ["title"] = "Scalekit.Functions operations API",
                ["version"] = "1",
                ["description"] = "Every route needs the operations key in the x-functions-key header. Bodies are snake_case JSON; errors are RFC 7807 problems.",
            },
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["securitySchemes"] = new JsonObject { ["functionKey"] = new JsonObject { ["type"] = "apiKey", ["in"] = "header", ["name"] = OpsKey.Header } },
                ["schemas"] = new JsonObject { ["Problem"] = Schema(typeof(ProblemView)) },
            },
            ["security"] = new JsonArray(new JsonObject { ["functionKey"] = new JsonArray() }),
        };
    }

    private static JsonObject Describe(OpsOperation operation)
    {
        var parameters = new JsonArray();
        foreach (var name in operation.Route.Split('/').Where(part => part.StartsWith('{')).Select(part => part.Trim('{', '}', '?')))
        {
            parameters.Add(new JsonObject { ["name"] = name, ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } });
        }

        foreach (var name in operation.Query)
        {
            parameters.Add(new JsonObject { ["name"] = name, ["in"] = "query", ["required"] = false, ["schema"] = new JsonObject { ["type"] = "string" } });
        }

        var responses = new JsonObject
        {
            [operation.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["description"] = "Success",
                ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = operation.Response is { } type ? Schema(type) : new JsonObject { ["type"] = "object" } } },
            },
            ["401"] = Problem("No or a wrong operations key"),
        };
        if (operation.Status == 204)
        {
            responses["204"] = new JsonObject { ["description"] = "Done; no body" };
        }

        foreach (var status in operation.Problems)
        {
            responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = Problem("See the problem's detail");
        }

        var described = new JsonObject
        {
            ["operationId"] = OperationId(operation),
            ["summary"] = operation.Summary,
            ["parameters"] = parameters,
            ["responses"] = responses,
        };
        if (operation.Route == OpsRoutes.ReconcileStripe)
        {
            described["requestBody"] = RequiredBody(new JsonObject { ["since"] = new JsonObject { ["type"] = "string", ["format"] = "date-time" } });
        }

        if (operation.Route == OpsRoutes.HrConnections && operation.Method == "post")
        {
            var fields = new JsonObject { ["organization_id"] = new JsonObject { ["type"] = "string" }, ["provider"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray([.. HrProviders.All.Select(profile => (JsonNode)profile.Name)]) } };
            foreach (var field in HrProviders.All.SelectMany(profile => profile.Fields).Where(field => !field.Generated).Select(field => field.Name).Distinct())
            {
                fields[field] = new JsonObject { ["type"] = "string" };
            }

            described["requestBody"] = RequiredBody(fields);
        }

        if (operation.Route == OpsRoutes.Erasure)
        {
            described["requestBody"] = new JsonObject
            {
                ["required"] = true,
                ["content"] = new JsonObject
                {
                    ["application/json"] = new JsonObject
                    {
                        ["schema"] = new JsonObject
                        {
                            ["type"] = "object",
                            ["properties"] = new JsonObject
                            {
                                ["email"] = new JsonObject { ["type"] = "string" },
                                ["user_id"] = new JsonObject { ["type"] = "string" },
                                ["directory_user_id"] = new JsonObject { ["type"] = "string" },
                            },
                        },
                    },
                },
            };
        }

        return described;
    }

    /// <summary>The method and the route's words, with each parameter as "By" and its name: getOpsOrganizationsByOrgId.</summary>
    private static string OperationId(OpsOperation operation) => operation.Method + string.Concat(operation.Route
        .Replace(".json", "-json", StringComparison.Ordinal)
        .Split('/', '-')
        .Select(part => part.StartsWith('{') ? "By" + Capital(part.Trim('{', '}', '?')) : Capital(part)));

    private static string Capital(string word) => word.Length == 0 ? word : char.ToUpperInvariant(word[0]) + word[1..];

    private static JsonObject RequiredBody(JsonObject properties) => new()
    {
        ["required"] = true,
        ["content"] = new JsonObject
        {
            ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object", ["properties"] = properties } },
        },
    };

    private static JsonObject Problem(string description) => new()
    {
        ["description"] = description,
        ["content"] = new JsonObject { ["application/problem+json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/Problem" } } },
    };

    private static JsonNode Schema(Type type) => JsonSchemaExporter.GetJsonSchemaAsNode(OpsJson.Options, type);
}
