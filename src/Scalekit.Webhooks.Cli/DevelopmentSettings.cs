using System.Text.Json;
using System.Text.Json.Nodes;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Samples;

namespace Scalekit.Webhooks.Cli;

/// <summary>Creates a git-ignored local.settings.json from the committed sample, filling in fresh development secrets.</summary>
public static class DevelopmentSettings
{
    /// <summary>Returns true when it created the file; an existing file is never touched.</summary>
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
        values[IngestOptions.ScalekitSecretSetting] = WebhookSigner.NewScalekitSecret();
        values[IngestOptions.StripeSecretSetting] = WebhookSigner.NewStripeSecret();
        values["ADMIN_API_KEY"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
        values["AzureWebJobsStorage"] = "UseDevelopmentStorage=true";
        await File.WriteAllTextAsync(path, settings.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken).ConfigureAwait(false);
        return true;
    }
}
