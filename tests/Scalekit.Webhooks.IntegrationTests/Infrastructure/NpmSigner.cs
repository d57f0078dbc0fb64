using System.Diagnostics;
using System.Text.Json;

using Scalekit.Webhooks.Testing;

namespace Scalekit.Webhooks.IntegrationTests.Infrastructure;

/// <summary>Signs bodies with the senders' own npm packages (standardwebhooks, stripe) through Signers/sign.mjs.</summary>
public static class NpmSigner
{
    public static Task<Dictionary<string, string>> StandardWebhooksAsync(string body, string secret, string id, DateTimeOffset timestamp) =>
        RunAsync(new { scheme = "standardwebhooks", secret, id, timestamp = timestamp.ToUnixTimeSeconds(), body });

    public static Task<Dictionary<string, string>> StripeAsync(string body, string secret, DateTimeOffset timestamp) =>
        RunAsync(new { scheme = "stripe", secret, timestamp = timestamp.ToUnixTimeSeconds(), body });

    private static async Task<Dictionary<string, string>> RunAsync(object input)
    {
        var script = Path.Combine(RepositoryRoot.Path, "tests", "Scalekit.Webhooks.IntegrationTests", "Signers", "sign.mjs");
        var start = new ProcessStartInfo("node", [script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { ["SKFN_REPO_ROOT"] = RepositoryRoot.Path },
        };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(JsonSerializer.Serialize(input));
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"sign.mjs failed ({process.ExitCode}): {error}");
        }

        return JsonSerializer.Deserialize<Dictionary<string, string>>(output)!;
    }
}
