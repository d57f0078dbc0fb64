using System.Text.Json;
using System.Text.Json.Nodes;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Samples;

namespace Scalekit.Webhooks.Cli;

/// <summary>Creates a git-ignored local.settings.json from the committed sample, filling in fresh development secrets.</summary>
public static class DevelopmentSettings
{
    /// <summary>Returns true when it created the file; an existing file is not touched here.</summary>
    public static async Task<bool> EnsureAsync(string path, string samplePath, CancellationToken cancellationToken = default)
    {
        if (File.Exists(path))
        {
            return false;
        }

        var settings = File.Exists(samplePath)
            ? JsonNode.Parse(await File.ReadAllTextAsync(samplePath, cancellationToken).ConfigureAwait(false)) as JsonObject
              ?? throw new InvalidDataException($"{samplePath} is not a JSON object.")
            : new JsonObject { ["IsEncrypted"] = false, ["Values"] = new JsonObject() };
        var values = settings["Values"] as JsonObject ?? throw new InvalidDataException($"{samplePath} has no 'Values' object.");
        foreach (var (setting, generate) in Secrets)
        {
            values[setting] = generate();
        }

        values["ADMIN_API_KEY"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
        values["AzureWebJobsStorage"] = "UseDevelopmentStorage=true";
        await File.WriteAllTextAsync(path, settings.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Brings an existing file up to date: adds a development secret for each sender whose setting is absent (a file
    /// created before that sender existed; settings that are present, even empty, are left alone) and renames feature
    /// names Scalekit does not know in <c>BILLING_PLAN_MAP</c> to the ones it does. Returns what it changed.
    /// </summary>
    public static async Task<IReadOnlyList<string>> UpgradeAsync(string path, CancellationToken cancellationToken = default)
    {
        var settings = JsonNode.Parse(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)) as JsonObject
            ?? throw new InvalidDataException($"{path} is not a JSON object.");
        var values = settings["Values"] as JsonObject ?? throw new InvalidDataException($"{path} has no 'Values' object.");
        var changes = new List<string>();
        foreach (var (setting, generate) in Secrets)
        {
            if (!values.ContainsKey(setting))
            {
                values[setting] = generate();
                changes.Add($"added a development secret for {setting}");
            }
        }

        if (values[PlanMapSetting]?.GetValue<string>() is { } planMap && planMap.Contains(OldDirectorySyncFeature, StringComparison.Ordinal))
        {
            values[PlanMapSetting] = planMap.Replace(OldDirectorySyncFeature, "\"dir_sync\"", StringComparison.Ordinal);
            changes.Add($"renamed the feature directory_sync to dir_sync in {PlanMapSetting}");
        }

        if (changes.Count > 0)
        {
            await File.WriteAllTextAsync(path, settings.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken).ConfigureAwait(false);
        }

        return changes;
    }

    private const string PlanMapSetting = "BILLING_PLAN_MAP";

    // Earlier samples named Scalekit's directory feature wrongly; Scalekit calls it dir_sync.
    private const string OldDirectorySyncFeature = "\"directory_sync\"";

    private static readonly (string Setting, Func<string> Generate)[] Secrets =
    [
        (IngestOptions.ScalekitSecretSetting, WebhookSigner.NewScalekitSecret),
        (IngestOptions.StripeSecretSetting, WebhookSigner.NewStripeSecret),
    ];
}
