using System.Text.Json;
using Scalekit.Webhooks.Testing;

namespace Scalekit.Functions.Tests;

/// <summary>
/// The output of <c>dotnet publish src/Scalekit.Functions</c>: what the Functions host loads in Azure. test.sh publishes
/// it to <c>.testrun/functions-publish</c>; <see cref="DirectorySetting"/> points elsewhere.
/// </summary>
public sealed class PublishOutput
{
    public const string DirectorySetting = "SCALEKIT_FUNCTIONS_PUBLISH_DIR";

    private static readonly Lazy<PublishOutput> Current = new(() => Read(
        Environment.GetEnvironmentVariable(DirectorySetting) is { Length: > 0 } configured
            ? configured
            : System.IO.Path.Combine(RepositoryRoot.Path, ".testrun", "functions-publish")));

    private PublishOutput(string path, IReadOnlyList<FunctionDefinition> functions)
    {
        Path = path;
        Functions = functions;
    }

    public string Path { get; }

    public IReadOnlyList<FunctionDefinition> Functions { get; }

    /// <summary>The published app, or an exception that says how to produce it (never a silent skip).</summary>
    public static PublishOutput Load() => Current.Value;

    public static PublishOutput Read(string path)
    {
        var metadata = System.IO.Path.Combine(path, "functions.metadata");
        if (!System.IO.File.Exists(metadata))
        {
            throw new InvalidOperationException(
                $"No published Functions app at '{path}' (functions.metadata is missing). Run ./test.sh, or " +
                $"'dotnet publish src/Scalekit.Functions/Scalekit.Functions.csproj -c Release -o {path}', " +
                $"or set {DirectorySetting} to a publish folder.");
        }

        return new PublishOutput(path, FunctionsMetadata.Parse(System.IO.File.ReadAllText(metadata)));
    }

    public string PathOf(string name) => System.IO.Path.Combine(Path, name);

    public JsonElement Json(string name)
    {
        using var document = JsonDocument.Parse(System.IO.File.ReadAllText(PathOf(name)));
        return document.RootElement.Clone();
    }
}
