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
    /// Adds a development secret for each sender whose setting is absent from an existing file (one created before
    /// that sender existed); settings that are present, even empty, are left alone. Returns the settings added.
    /// </summary>
    public static async Task<IReadOnlyList<string>> AddMissingSecretsAsync(string path, CancellationToken cancellationToken = default)
    {
        var settings = JsonNode.Parse(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)) as JsonObject
            ?? throw new InvalidDataException($"{path} is not a JSON object.");
        var values = settings["Values"] as JsonObject ?? throw new InvalidDataException($"{path} has no 'Values' object.");
        var added = new List<string>();
        foreach (var (setting, generate) in Secrets)
        {
            if (!values.ContainsKey(setting))
            {
                values[setting] = generate();
                added.Add(setting);
            }
        }

        if (added.Count > 0)
        {
            await File.WriteAllTextAsync(path, settings.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken).ConfigureAwait(false);
        }

        return added;
    }

    private static readonly (string Setting, Func<string> Generate)[] Secrets =
    [
        (IngestOptions.ScalekitSecretSetting, WebhookSigner.NewScalekitSecret),
        (IngestOptions.StripeSecretSetting, WebhookSigner.NewStripeSecret),
        (IngestOptions.HrSecretSetting, WebhookSigner.NewScalekitSecret),
    ];
}
