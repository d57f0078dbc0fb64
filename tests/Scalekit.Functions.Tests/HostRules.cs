using System.Text.RegularExpressions;

namespace Scalekit.Functions.Tests;

/// <summary>
/// The rules the Functions host applies when it loads an app's functions. A function that breaks one is put in an
/// error state at start-up (or never registered), although the worker builds and the local host serves it.
/// </summary>
public static partial class HostRules
{
    /// <summary>Route beginnings the host keeps for its own management and runtime APIs, whatever the route prefix.</summary>
    public static IReadOnlyList<string> ReservedRoutePrefixes { get; } = ["admin", "runtime"];

    public static IReadOnlyList<string> Check(IReadOnlyList<FunctionDefinition> functions)
    {
        ArgumentNullException.ThrowIfNull(functions);
        var problems = new List<string>();
        foreach (var name in functions.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            problems.Add($"{name.Count()} functions are named '{name.Key}': function names must be unique.");
        }

        var http = functions.Where(f => f.IsHttp).ToList();
        foreach (var function in http)
        {
            if (ReservedRoutePrefixes.FirstOrDefault(p => function.HttpRoute.StartsWith(p, StringComparison.OrdinalIgnoreCase)) is { } reserved)
            {
                problems.Add($"{function.Name}: route '{function.HttpRoute}' starts with '{reserved}', which the Functions host reserves for its built-in routes.");
            }
        }

        for (var i = 0; i < http.Count; i++)
        {
            for (var j = i + 1; j < http.Count; j++)
            {
                if (Shape(http[i].HttpRoute) == Shape(http[j].HttpRoute) && MethodsOverlap(http[i].Trigger!.Methods, http[j].Trigger!.Methods))
                {
                    problems.Add($"{http[i].Name} and {http[j].Name} both answer route '{http[i].HttpRoute}' with the same method.");
                }
            }
        }

        return problems;
    }

    // Routing ignores case and the names of route parameters: "a/{x}" and "A/{y}" are the same route.
    private static string Shape(string route) => Parameter().Replace(route, "{}").ToUpperInvariant();

    private static bool MethodsOverlap(IReadOnlyList<string> first, IReadOnlyList<string> second) =>
        first.Count == 0 || second.Count == 0 || first.Intersect(second, StringComparer.OrdinalIgnoreCase).Any();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Parameter();
}
