using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Scalekit.Webhooks.Hosting.Local;

/// <summary>
/// Reads the queue settings of the Functions <c>host.json</c>, so the local host polls, retries and poisons exactly as
/// the Functions app does. As in Azure Functions, an <c>AzureFunctionsJobHost__extensions__queues__…</c> setting
/// overrides a value from the file.
/// </summary>
public static class HostJson
{
    public const string FileName = "host.json";
    public const string QueuesSection = "AzureFunctionsJobHost:extensions:queues";

    /// <summary>Adds the file's <c>extensions.queues</c> values under <see cref="QueuesSection"/>; add environment variables after this.</summary>
    public static IConfigurationBuilder AddFunctionsHostJson(this IConfigurationBuilder builder, string? path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (path is null || !File.Exists(path))
        {
            return builder;
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (document.RootElement.TryGetProperty("extensions", out var extensions) && extensions.TryGetProperty("queues", out var queues))
        {
            foreach (var property in queues.EnumerateObject())
            {
                values[$"{QueuesSection}:{property.Name}"] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
            }
        }

        return builder.AddInMemoryCollection(values);
    }

    /// <summary>Applies the queue settings found in configuration to <paramref name="options"/>.</summary>
    public static void BindQueueOptions(QueueTriggerOptions options, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configuration);
        options.BatchSize = SettingValue.WholeNumber(configuration, $"{QueuesSection}:batchSize", options.BatchSize);
        options.MaxDequeueCount = SettingValue.WholeNumber(configuration, $"{QueuesSection}:maxDequeueCount", options.MaxDequeueCount);
        options.VisibilityTimeout = SettingValue.TimeOfDayStyle(configuration, $"{QueuesSection}:visibilityTimeout", options.VisibilityTimeout);
        options.MaxPollingInterval = SettingValue.TimeOfDayStyle(configuration, $"{QueuesSection}:maxPollingInterval", options.MaxPollingInterval);

        // Not a host.json setting: how long a message the local host is working on stays hidden (Functions uses 10 minutes).
        options.ProcessingLease = SettingValue.Duration(configuration, QueueTriggerOptions.ProcessingLeaseSetting, options.ProcessingLease, TimeUnit.Seconds);
    }

    /// <summary>The <c>host.json</c> beside the app, or in the nearest folder above <paramref name="startDirectory"/>.</summary>
    public static string? Find(string startDirectory) => NearestFile.Above(startDirectory, FileName);
}
