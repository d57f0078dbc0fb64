using System.Text.Json;

namespace Scalekit.Functions.Tests;

/// <summary>One function as <c>functions.metadata</c> describes it to the Functions host.</summary>
public sealed record FunctionDefinition(string Name, string? ScriptFile, string? EntryPoint, IReadOnlyList<BindingDefinition> Bindings)
{
    public BindingDefinition? Trigger => Bindings.SingleOrDefault(b => b.Type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase));

    public bool IsHttp => Trigger?.Type.Equals("httpTrigger", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>The HTTP route the host registers (below the route prefix); the function name when none is given.</summary>
    public string HttpRoute => (Trigger?.Get("route") is { Length: > 0 } route ? route : Name).Trim('/');
}

/// <summary>One binding; property names are matched ignoring case, as the host does.</summary>
public sealed record BindingDefinition(string Type, JsonElement Json)
{
    public string? Get(string property) =>
        Find(property) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    /// <summary>The HTTP methods; empty means every method.</summary>
    public IReadOnlyList<string> Methods =>
        Find("methods") is { ValueKind: JsonValueKind.Array } methods
            ? [.. methods.EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant())]
            : [];

    private JsonElement? Find(string property)
    {
        foreach (var candidate in Json.EnumerateObject())
        {
            if (candidate.Name.Equals(property, StringComparison.OrdinalIgnoreCase))
            {
                return candidate.Value;
            }
        }

        return null;
    }
}

public static class FunctionsMetadata
{
    public static IReadOnlyList<FunctionDefinition> Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(function => new FunctionDefinition(
            function.GetProperty("name").GetString()!,
            function.TryGetProperty("scriptFile", out var script) ? script.GetString() : null,
            function.TryGetProperty("entryPoint", out var entry) ? entry.GetString() : null,
            [.. function.GetProperty("bindings").EnumerateArray().Select(b => new BindingDefinition(b.GetProperty("type").GetString()!, b.Clone()))]))];
    }
}
