namespace Scalekit.Functions.Tests;

public class HostRulesTests
{
    private const string Webhook = """
        { "name": "ScalekitWebhook", "bindings": [
          { "name": "request", "type": "httpTrigger", "direction": "In", "authLevel": "Anonymous", "methods": ["post"], "route": "webhooks/scalekit" },
          { "name": "$return", "type": "http", "direction": "Out" } ] }
        """;

    [Fact]
    public void Check_AppWithinTheRules_FindsNothing()
    {
        Assert.Empty(HostRules.Check(Parse(Webhook, Http("OpsStats", "ops/stats", "get"))));
    }

    [Theory]
    [InlineData("admin/keys")]
    [InlineData("Admin/keys")]
    [InlineData("/ADMIN/keys")]
    [InlineData("administration/keys")]
    [InlineData("runtime/status")]
    [InlineData("Runtime")]
    public void Check_RouteUnderAReservedPrefix_IsReported(string route)
    {
        var problem = Assert.Single(HostRules.Check(Parse(Webhook, Http("OpsKeys", route, "get"))));
        Assert.Contains("OpsKeys", problem, StringComparison.Ordinal);
        Assert.Contains("reserves", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_NoRoute_UsesTheFunctionName_SoANameUnderAReservedPrefixIsReported()
    {
        var problem = Assert.Single(HostRules.Check(Parse(Http("AdminStats", null, "get"))));
        Assert.Contains("'AdminStats'", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ops/events/{source}/{eventId}", "get", "OPS/events/{a}/{b}", "GET")]
    [InlineData("ops/stats", "get", "ops/stats", null)]
    public void Check_TwoFunctionsOnOneRouteAndMethod_AreReported(string route, string? method, string otherRoute, string? otherMethod)
    {
        var problem = Assert.Single(HostRules.Check(Parse(Http("First", route, method), Http("Second", otherRoute, otherMethod))));
        Assert.Contains("First and Second", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_OneRouteWithDifferentMethods_IsAllowed()
    {
        Assert.Empty(HostRules.Check(Parse(Http("Read", "ops/things", "get"), Http("Write", "ops/things", "post"))));
    }

    [Fact]
    public void Check_TwoFunctionsWithOneName_AreReported()
    {
        var problem = Assert.Single(HostRules.Check(Parse(Http("Stats", "ops/a", "get"), Http("stats", "ops/b", "get"))));
        Assert.Contains("unique", problem, StringComparison.Ordinal);
    }

    private static string Http(string name, string? route, string? method) => $$"""
        { "name": "{{name}}", "bindings": [
          { "name": "request", "type": "httpTrigger", "direction": "In", "authLevel": "Function"
            {{(method is null ? "" : $", \"methods\": [\"{method}\"]")}}{{(route is null ? "" : $", \"route\": \"{route}\"")}} } ] }
        """;

    private static IReadOnlyList<FunctionDefinition> Parse(params string[] functions) =>
        FunctionsMetadata.Parse("[" + string.Join(",", functions) + "]");
}
