using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Scalekit.Webhooks.Hosting.Local;

/// <summary>
/// Reads the <c>Values</c> of a Functions-style <c>local.settings.json</c>, so the local host and the CLI use the very
/// setting names the Functions app reads. <c>__</c> in a name means a section, as in environment variables.
/// </summary>
public static class LocalSettings
{
    public const string FileName = "local.settings.json";

    /// <summary>Adds the file's values when it exists; add environment variables after this so they win.</summary>
    public static IConfigurationBuilder AddFunctionsLocalSettings(this IConfigurationBuilder builder, string? path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return path is not null && File.Exists(path) ? builder.AddInMemoryCollection(Read(path)) : builder;
    }

    /// <summary>The file's <c>Values</c> with <c>__</c> turned into <c>:</c>; throws <see cref="InvalidDataException"/> naming the file when it is not valid.</summary>
    public static IReadOnlyDictionary<string, string?> Read(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            if (document.RootElement.TryGetProperty("Values", out var section) && section.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in section.EnumerateObject())
                {
                    values[property.Name.Replace("__", ":", StringComparison.Ordinal)] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
                }
            }

            return values;
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>The <c>local.settings.json</c> in <paramref name="startDirectory"/> or the nearest folder above it that has one.</summary>
    public static string? Find(string startDirectory) => NearestFile.Above(startDirectory, FileName);
}
