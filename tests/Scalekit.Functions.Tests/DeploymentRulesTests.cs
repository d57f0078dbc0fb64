using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Privacy;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;
using Scalekit.Webhooks.Stripe.Recovery;
using Scalekit.Webhooks.Testing;

namespace Scalekit.Functions.Tests;

/// <summary>
/// The deployment does what docs/deploy.md says: secrets survive a provision and rotate without one, every timer ends
/// inside the function timeout, idle shards hold no function, the HTTP group keeps an instance, the region offers Flex
/// Consumption, and the documented function list is the published one.
/// </summary>
public partial class DeploymentRulesTests
{
    private static readonly string Root = RepositoryRoot.Path;

    private static string Read(params string[] path) => File.ReadAllText(Path.Combine([Root, .. path])).ReplaceLineEndings("\n");

    [Fact]
    public void EverySecret_IsWrittenOnlyWhenItsParameterIsGiven()
    {
        var vault = Read("infra", "modules", "keyvault.bicep");
        var names = SecretNames(vault);
        var secrets = SecretResource().Matches(vault).ToList();

        Assert.Equal(names.Keys.Order(StringComparer.Ordinal), secrets.Select(s => s.Groups["secret"].Value).Order(StringComparer.Ordinal));
        foreach (var secret in secrets)
        {
            Assert.True(
                secret.Groups["condition"].Value == secret.Groups["value"].Value,
                $"keyvault.bicep writes {secret.Groups["secret"].Value} from '{secret.Groups["value"].Value}' without 'if (!empty({secret.Groups["value"].Value}))': an empty parameter would overwrite the vault's secret.");
        }

        // No placeholder ever stands in for a secret that was not given.
        Assert.DoesNotContain("' '", vault, StringComparison.Ordinal);
        Assert.Equal(secrets.Count, Regex.Count(vault, @"resource \w+ 'Microsoft\.KeyVault/vaults/secrets@"));
    }

    [Fact]
    public void AppSettings_ReferenceEverySecretByItsVersionlessUri()
    {
        var vault = Read("infra", "modules", "keyvault.bicep");
        var app = Read("infra", "modules", "function-app.bicep");
        var names = SecretNames(vault);
        var output = Regex.Match(vault, @"output secretUris object = \{\n(?<entries>[\s\S]*?)\n\}");
        Assert.True(output.Success, "keyvault.bicep has no secretUris output object.");
        var uris = Regex.Matches(output.Groups["entries"].Value, @"^  (?<key>\w+): (?<value>.+)$", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups["key"].Value, m => m.Groups["value"].Value);

        Assert.Equal(names.Keys.Order(StringComparer.Ordinal), uris.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, value) in uris)
        {
            // Built from the vault URI and the name; a resource's secretUri would pin the version it wrote.
            Assert.Equal($"'${{vault.properties.vaultUri}}secrets/${{secretNames.{key}}}'", value);
        }

        Assert.DoesNotContain(".properties.secretUri", vault, StringComparison.Ordinal);
        var references = Regex.Matches(app, @"'@Microsoft\.KeyVault\(SecretUri=\$\{secretUris\.(?<key>\w+)\}\)'").Select(m => m.Groups["key"].Value);
        Assert.Equal(names.Keys.Order(StringComparer.Ordinal), references.Order(StringComparer.Ordinal));
        Assert.DoesNotContain("SecretVersion", app, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Docs_NameEverySecretTheVaultHolds_AndTheirCount()
    {
        var names = SecretNames(Read("infra", "modules", "keyvault.bicep"));
        var deploy = Read("docs", "deploy.md");

        Assert.All(names.Values, name => Assert.Contains($"`{name}`", deploy, StringComparison.Ordinal));
        Assert.Contains($"{Words[names.Count]} secrets", deploy, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryTimer_StopsTakingWorkBeforeTheFunctionTimeout()
    {
        using var hostJson = JsonDocument.Parse(Read("host.json"));
        var timeout = TimeSpan.Parse(hostJson.RootElement.GetProperty("functionTimeout").GetString()!, CultureInfo.InvariantCulture);
        var budgets = new Dictionary<string, TimeSpan>(StringComparer.Ordinal)
        {
            // The replayer, then the late-link re-check, in one run.
            ["DeadLetterReplay"] = new DeadLetterOptions().RunBudget + new BillingOptions().RecheckBudget,
            ["PayloadRetentionRun"] = new RetentionOptions().RunBudget,
            ["CrmSync"] = new CrmOptions().RunBudget,
            ["StripeReconcileSchedule"] = StripeRecoveryOptions.StartBudget,
        };

        // A timer added without a budget fails here first.
        var timers = PublishOutput.Load().Functions.Where(f => f.Trigger?.Type == "timerTrigger").Select(f => f.Name);
        Assert.Equal(budgets.Keys.Order(StringComparer.Ordinal), timers.Order(StringComparer.Ordinal));
        foreach (var (timer, budget) in budgets)
        {
            Assert.True(budget > TimeSpan.Zero && budget <= timeout - TimeSpan.FromSeconds(30), $"{timer}: run budget {budget} must end at least 30 s before functionTimeout {timeout}, leaving the work in hand time to finish.");
        }
    }

    [Fact]
    public void QueueFunctionsOfUnusedShards_AreDisabledByAppSettings_UnderTheirPublishedNames()
    {
        var app = Read("infra", "modules", "function-app.bicep");
        var functions = BicepList(app, "eventQueueFunctions");
        var maxShards = int.Parse(Regex.Match(app, @"var maxEventQueueShards = (\d+)\n").Groups[1].Value, CultureInfo.InvariantCulture);
        // The rule the Bicep evaluates, spelled as this test evaluates it below.
        Assert.Contains("var consumedEventQueueShards = max(eventQueueShards, drainEventQueueShards)", app, StringComparison.Ordinal);
        Assert.Contains(
            "map(eventQueueFunctions, function => map(range(consumedEventQueueShards, maxEventQueueShards - consumedEventQueueShards), shard => { name: 'AzureWebJobs.${function}${shard}.Disabled', value: 'true' }))",
            app,
            StringComparison.Ordinal);
        Assert.Contains("], disabledQueueFunctionSettings)", app, StringComparison.Ordinal);
        Assert.Equal(StorageNames.MaxEventQueueShards, maxShards);

        // Every event queue's function as published: name → (source, shard).
        var published = PublishOutput.Load().Functions.Where(f => f.Trigger?.Type == "queueTrigger").ToDictionary(f => f.Name, f => f.Trigger!.Get("queueName")!, StringComparer.Ordinal);
        var shardOf = new Dictionary<string, (string Source, int Shard)>(StringComparer.Ordinal);
        foreach (var source in EventSources.Sources)
        {
            foreach (var shard in StorageNames.AllShards)
            {
                var name = Assert.Single(published, f => f.Value == StorageNames.QueueFor(source, shard)).Key;
                shardOf[name] = (source.Name, shard);
            }
        }

        Assert.Equal(EventSources.Sources.Count, functions.Count);
        Assert.All(functions, function => Assert.Equal(0, shardOf[function].Shard));
        for (var shards = 1; shards <= maxShards; shards++)
        {
            for (var draining = 0; draining <= maxShards; draining++)
            {
                var consumed = Math.Max(shards, draining);
                var disabled = functions.SelectMany(function => Enumerable.Range(consumed, maxShards - consumed).Select(shard => function + shard.ToString(CultureInfo.InvariantCulture))).ToList();
                Assert.All(disabled, name => Assert.True(shardOf.TryGetValue(name, out var queue) && queue.Shard >= consumed, $"Bicep disables '{name}', which is not the function of a shard at or above {consumed}."));
                var running = shardOf.Keys.Except(disabled).ToList();
                Assert.Equal(EventSources.Sources.Count * consumed, running.Count);
                Assert.All(running, name => Assert.True(shardOf[name].Shard < consumed, $"{name} runs although its shard is not written to or drained."));
            }
        }
    }

    [Fact]
    public void ShardSettings_ComeFromTheEnvironment_AndTheDocsSayHowToDrainBeforeLowering()
    {
        var main = Read("infra", "main.bicep");
        var parameters = Read("infra", "main.bicepparam");
        Assert.Matches(@"@minValue\(0\)\n@maxValue\(16\)\n@description\('[^']+'\)\nparam drainEventQueueShards int = 0\n", main);
        Assert.Contains("param drainEventQueueShards = int(readEnvironmentVariable('SKFN_DRAIN_EVENT_QUEUE_SHARDS', '0'))", parameters, StringComparison.Ordinal);
        Assert.Contains("drainEventQueueShards: drainEventQueueShards", main, StringComparison.Ordinal);
        foreach (var doc in new[] { Read("docs", "deploy.md"), Read("docs", "scale.md"), Read("README.md") })
        {
            Assert.Contains("SKFN_DRAIN_EVENT_QUEUE_SHARDS", doc, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void HttpGroup_KeepsAlwaysReadyInstances_OneByDefault()
    {
        var main = Read("infra", "main.bicep");
        var app = Read("infra", "modules", "function-app.bicep");
        Assert.Matches(@"@minValue\(0\)\n@maxValue\(\d+\)\n@description\('[^']+'\)\nparam alwaysReadyHttpInstances int = 1\n", main);
        Assert.Contains("alwaysReadyHttpInstances: alwaysReadyHttpInstances", main, StringComparison.Ordinal);
        Assert.Contains("param alwaysReadyHttpInstances = int(readEnvironmentVariable('SKFN_ALWAYS_READY_HTTP_INSTANCES', '1'))", Read("infra", "main.bicepparam"), StringComparison.Ordinal);
        // 'http' is the name Flex Consumption gives the group of every HTTP-triggered function.
        Assert.Contains("alwaysReady: alwaysReadyHttpInstances > 0 ? [{ name: 'http', instanceCount: alwaysReadyHttpInstances }] : []", app, StringComparison.Ordinal);
        Assert.Contains("SKFN_ALWAYS_READY_HTTP_INSTANCES", Read("docs", "deploy.md"), StringComparison.Ordinal);
    }

    [Fact]
    public void Location_IsOneOfTheFlexConsumptionRegions()
    {
        var main = Read("infra", "main.bicep");
        var declaration = Regex.Match(main, @"// The regions offering Flex Consumption[^\n]*\n(//[^\n]*\n)*@allowed\(\[\n(?<regions>(  '[a-z0-9]+'\n)+)\]\)\n@description\('[^']+'\)\n(//[^\n]*\n)*param location string");
        Assert.True(declaration.Success, "main.bicep: 'param location' needs an @allowed list of Flex Consumption regions with a comment saying where it comes from.");
        var regions = Regex.Matches(declaration.Groups["regions"].Value, "'([a-z0-9]+)'").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(regions.Distinct(StringComparer.Ordinal).Count(), regions.Count);
        Assert.Contains("westeurope", regions);
        Assert.Contains("eastus", regions);
        Assert.Contains("az functionapp list-flexconsumption-locations", Read("docs", "deploy.md"), StringComparison.Ordinal);
    }

    [Fact]
    public void EnvironmentName_TakesWhatAzdAllows_AndNamesStayWithinTheirLimits()
    {
        var main = Read("infra", "main.bicep");
        Assert.Matches(@"@minLength\(1\)\n@maxLength\(64\)\n@description\('[^']+'\)\nparam environmentName string\n", main);
        // The name reaches resources only through resourceToken (13 characters whatever its length) and a tag.
        Assert.Equal(3, Regex.Count(main, @"\benvironmentName\b"));
        Assert.Contains("var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))", main, StringComparison.Ordinal);

        var limits = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["Microsoft.Storage/storageAccounts"] = 24,
            ["Microsoft.KeyVault/vaults"] = 24,
            ["Microsoft.Web/sites"] = 60,
            ["Microsoft.Web/serverfarms"] = 60,
            ["Microsoft.ManagedIdentity/userAssignedIdentities"] = 128,
            ["Microsoft.Insights/components"] = 260,
            ["Microsoft.OperationalInsights/workspaces"] = 63,
        };
        var names = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "infra"), "*.bicep", SearchOption.AllDirectories))
        {
            var bicep = File.ReadAllText(file).ReplaceLineEndings("\n");
            foreach (Match resource in Regex.Matches(bicep, @"resource \w+ '(?<type>[\w./]+)@[\w-]+' = (if \([^\n]*\) )?\{\n  name: (?<name>[^\n]+)\n"))
            {
                if (limits.TryGetValue(resource.Groups["type"].Value, out var limit))
                {
                    var length = NameLength(resource.Groups["name"].Value, bicep);
                    names.Add(resource.Groups["type"].Value);
                    Assert.True(length <= limit, $"{Path.GetFileName(file)}: a {resource.Groups["type"].Value} name of {length} characters passes its limit of {limit}.");
                }
            }
        }

        Assert.Contains("Microsoft.Storage/storageAccounts", names);
        Assert.Contains("Microsoft.KeyVault/vaults", names);
    }

    [Fact]
    public void DeployDoc_ListsExactlyThePublishedFunctions()
    {
        var deploy = Read("docs", "deploy.md");
        var section = Regex.Match(deploy, @"## What the app registers\n(?<body>[\s\S]*?)\n## ");
        Assert.True(section.Success, "docs/deploy.md has no 'What the app registers' section.");
        var rows = section.Groups["body"].Value.Split('\n').Where(line => line.StartsWith("| `", StringComparison.Ordinal));
        var documented = new List<string>();
        foreach (var row in rows)
        {
            var cell = row.Split('|')[1];
            foreach (Match range in FunctionRange().Matches(cell))
            {
                var (first, last) = (int.Parse(range.Groups["first"].Value, CultureInfo.InvariantCulture), int.Parse(range.Groups["last"].Value, CultureInfo.InvariantCulture));
                documented.AddRange(Enumerable.Range(first, last - first + 1).Select(shard => range.Groups["name"].Value + shard.ToString(CultureInfo.InvariantCulture)));
            }

            documented.AddRange(FunctionName().Matches(FunctionRange().Replace(cell, string.Empty)).Select(m => m.Groups[1].Value));
        }

        var published = PublishOutput.Load().Functions.Select(f => f.Name).ToList();
        Assert.Equal(documented.Count, documented.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(published.Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));

        // The counts the text gives.
        var ops = published.Count(name => name.StartsWith("Ops", StringComparison.Ordinal));
        Assert.Contains($"{Words[ops]} operations functions", deploy, StringComparison.Ordinal);
        Assert.Contains($"{published.Count} functions", deploy, StringComparison.Ordinal);
    }

    private static readonly string[] Words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31", "32", "33", "34", "35"];

    /// <summary>The secretNames object of keyvault.bicep: key → secret name.</summary>
    private static Dictionary<string, string> SecretNames(string vault)
    {
        var block = Regex.Match(vault, @"var secretNames = \{\n(?<entries>[\s\S]*?)\n\}");
        Assert.True(block.Success, "keyvault.bicep has no secretNames object.");
        return Regex.Matches(block.Groups["entries"].Value, @"^  (?<key>\w+): '(?<name>[\w-]+)'$", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups["key"].Value, m => m.Groups["name"].Value, StringComparer.Ordinal);
    }

    /// <summary>The length a Bicep name expression gives: literal text plus 13 for each ${resourceToken}.</summary>
    private static int NameLength(string expression, string bicep)
    {
        if (Regex.Match(expression, @"^'(?<text>[^']*)'$") is { Success: true } literal)
        {
            var text = literal.Groups["text"].Value;
            Assert.True(Regex.IsMatch(text, @"^[a-z-]*\$\{resourceToken\}$"), $"Resource name {expression} is not a short prefix and resourceToken.");
            return text.Replace("${resourceToken}", new string('x', 13), StringComparison.Ordinal).Length;
        }

        // A module's name parameter: every value the templates pass for it.
        Assert.Equal("name", expression);
        var passed = Regex.Matches(Read("infra", "modules", "storage.bicep"), @"\n    name: (?<value>'[^']*')\n").Select(m => NameLength(m.Groups["value"].Value, bicep)).ToList();
        Assert.NotEmpty(passed);
        return passed.Max();
    }

    private static List<string> BicepList(string bicep, string variable)
    {
        var list = Regex.Match(bicep, $@"var {variable} = \[(?<items>[^\]]*)\]");
        Assert.True(list.Success, $"no array variable {variable}.");
        return [.. Regex.Matches(list.Groups["items"].Value, "'([^']+)'").Select(m => m.Groups[1].Value)];
    }

    // resource x 'Microsoft.KeyVault/vaults/secrets@…' = if (!empty(p)) { parent: vault  name: secretNames.k  properties: { value: v } }
    [GeneratedRegex(@"resource \w+ 'Microsoft\.KeyVault/vaults/secrets@[\d-]+' = (if \(!empty\((?<condition>\w+)\)\) )?\{\n  parent: vault\n  name: secretNames\.(?<secret>\w+)\n  properties: \{ value: (?<value>\w+) \}\n\}")]
    private static partial Regex SecretResource();

    // `ScalekitEvents1`–`ScalekitEvents15`
    [GeneratedRegex(@"`(?<name>[A-Za-z]+)(?<first>\d+)`–`\k<name>(?<last>\d+)`")]
    private static partial Regex FunctionRange();

    [GeneratedRegex(@"`([A-Z][A-Za-z0-9]+)`")]
    private static partial Regex FunctionName();
}
