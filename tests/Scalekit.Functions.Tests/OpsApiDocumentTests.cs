using System.Reflection;
using System.Text.Json.Nodes;
using Scalekit.Webhooks.Http;

namespace Scalekit.Functions.Tests;

/// <summary>The OpenAPI document describes every operations route, with schemas in the wire's snake_case.</summary>
public class OpsApiDocumentTests
{
    [Fact]
    public void EveryOperationsRoute_ButTheConsolePage_IsDescribed()
    {
        var routes = typeof(OpsRoutes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!)
            .Where(route => route != OpsRoutes.Console);
        Assert.Equal(routes.Order(StringComparer.Ordinal), OpsApiDocument.Operations.Select(o => o.Route).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Document_HasEachPathAndMethod_AndSnakeCaseSchemas()
    {
        var document = OpsApiDocument.Build();

        Assert.Equal("3.1.0", document["openapi"]!.GetValue<string>());
        var paths = document["paths"]!.AsObject();
        foreach (var operation in OpsApiDocument.Operations)
        {
            Assert.NotNull(paths["/api/" + operation.Route]?[operation.Method]);
        }

        var organization = paths["/api/" + OpsRoutes.Organization]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["properties"]!.AsObject();
        Assert.Contains("display_name", organization.Select(p => p.Key));
        Assert.Contains("last_applied_event", organization.Select(p => p.Key));
        Assert.DoesNotContain(organization, p => p.Key is "PartitionKey" or "RowKey" or "DisplayName");
        var parameters = paths["/api/" + OpsRoutes.Organization]!["get"]!["parameters"]!.AsArray();
        Assert.Contains(parameters, p => p!["name"]!.GetValue<string>() == "orgId" && p["in"]!.GetValue<string>() == "path");
        var operationIds = paths.SelectMany(p => p.Value!.AsObject().Select(m => m.Value!["operationId"]!.GetValue<string>())).ToList();
        Assert.Equal(operationIds.Count, operationIds.Distinct(StringComparer.Ordinal).Count());
        Assert.IsType<JsonObject>(document["components"]!["schemas"]!["Problem"]);
    }

    [Fact]
    public void Stats_IsDescribedByItsType_InTheFieldsTheCliAndConsoleRead()
    {
        var schema = OpsApiDocument.Build()["paths"]!["/api/" + OpsRoutes.Stats]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!;
        var properties = schema["properties"]!.AsObject();
        Assert.Equal(
            ["events", "events_total", "integrations", "parked", "processing_latency_ms", "queues", "series", "since", "sources", "truncated", "window_seconds"],
            properties.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(
            ["bucket_seconds", "failed", "ingested", "latency_p50_ms", "latency_p95_ms", "parked", "processed", "start"],
            properties["series"]!["properties"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Contains("poison_depth", properties["sources"]!["items"]!["properties"]!.AsObject().Select(p => p.Key));
        Assert.Contains("api_usage", properties["integrations"]!["items"]!["properties"]!.AsObject().Select(p => p.Key));
    }
}
