using System.Text.RegularExpressions;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;
using Scalekit.Webhooks.Telemetry;
using Scalekit.Webhooks.Testing;
using YamlDotNet.RepresentationModel;

namespace Scalekit.Functions.Tests;

/// <summary>azure.yaml and the Bicep point at what exists, and the docs use the routes the app serves.</summary>
public partial class DeploymentFilesTests
{
    private static readonly string Root = RepositoryRoot.Path;

    [Fact]
    public void AzureYaml_DeploysTheFunctionsProject_WithTheBicepInInfra()
    {
        var manifest = Load("azure.yaml");
        var infra = (YamlMappingNode)manifest["infra"];
        Assert.Equal("bicep", Scalar(infra, "provider"));
        Assert.True(File.Exists(Path.Combine(Root, Scalar(infra, "path"), Scalar(infra, "module") + ".bicep")), "azure.yaml: infra path/module names no Bicep file.");
        Assert.True(File.Exists(Path.Combine(Root, Scalar(infra, "path"), Scalar(infra, "module") + ".bicepparam")), "azure.yaml: no .bicepparam beside the module.");

        var services = (YamlMappingNode)manifest["services"];
        var (name, node) = Assert.Single(services.Children);
        var service = (YamlMappingNode)node;
        Assert.Equal("functions", ((YamlScalarNode)name).Value);
        Assert.Equal("src/Scalekit.Functions", Scalar(service, "project"));
        Assert.Equal("dotnet", Scalar(service, "language"));
        Assert.Equal("function", Scalar(service, "host"));
        Assert.True(File.Exists(Path.Combine(Root, Scalar(service, "project"), "Scalekit.Functions.csproj")), "azure.yaml: the service project has no Scalekit.Functions.csproj.");

        // azd finds the app to publish to by this tag.
        Assert.Contains("'azd-service-name': 'functions'", File.ReadAllText(Path.Combine(Root, "infra", "modules", "function-app.bicep")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SCALEKIT_WEBHOOK_URL", "/api/webhooks/scalekit")]
    [InlineData("STRIPE_WEBHOOK_URL", "/api/webhooks/stripe")]
    [InlineData("OPS_API_URL", "/api/ops/")]
    public void MainBicep_OutputsTheUrlsTheDocsTellYouToUse(string output, string path)
    {
        var bicep = File.ReadAllText(Path.Combine(Root, "infra", "main.bicep"));
        Assert.Matches($@"output {output} string = '\$\{{appUrl\}}{Regex.Escape(path)}'", bicep);
        Assert.Contains(output, File.ReadAllText(Path.Combine(Root, "docs", "deploy.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void StorageBicep_CreatesEveryQueueTableAndContainerTheCoreUses()
    {
        var bicep = File.ReadAllText(Path.Combine(Root, "infra", "modules", "storage.bicep"));
        Assert.Equal(EventSources.Sources.Select(source => StorageNames.QueueFor(source)).Order(StringComparer.Ordinal), BicepList(bicep, "eventQueueBaseNames").Order(StringComparer.Ordinal));
        Assert.Contains($"var maxEventQueueShards = {StorageNames.MaxEventQueueShards}\n", bicep.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        // The Bicep spells the shard and poison names as the core does.
        Assert.Contains("shard == 0 ? queue : '${queue}-${shard}'", bicep, StringComparison.Ordinal);
        Assert.Equal(StorageNames.QueueFor(StripeSource.Id) + "-7", StorageNames.QueueFor(StripeSource.Id, 7));
        Assert.Contains("[queue, '${queue}" + StorageNames.PoisonSuffix + "']", bicep, StringComparison.Ordinal);
        Assert.Equal(StorageNames.QueueFor(HrSource.Id, 3) + "-poison", StorageNames.PoisonQueueFor(HrSource.Id, 3));
        Assert.Equal(StorageNames.AllTables.Order(StringComparer.Ordinal), BicepList(bicep, "tableNames").Order(StringComparer.Ordinal));
        Assert.Contains($"var ledgerTableName = '{StorageNames.EventLedgerTable}'", bicep, StringComparison.Ordinal);
        Assert.Contains($"var payloadContainerName = '{StorageNames.PayloadContainer}'", bicep, StringComparison.Ordinal);
        Assert.Equal(new[] { StorageNames.PayloadContainer }, StorageNames.AllContainers);
    }

    [Theory]
    [InlineData(StorageAccountOptions.StateSetting, "separateStateStorage", "SKFN_SEPARATE_STATE_STORAGE", "stateStorageAccountName", "ststate")]
    [InlineData(StorageAccountOptions.LedgerSetting, "separateLedgerStorage", "SKFN_SEPARATE_LEDGER_STORAGE", "ledgerStorageAccountName", "stledger")]
    [InlineData(StorageAccountOptions.PayloadSetting, "separatePayloadStorage", "SKFN_SEPARATE_PAYLOAD_STORAGE", "payloadStorageAccountName", "stpayload")]
    public void SeparateStorageAccount_IsAnOptionalParameter_ThatCreatesTheAccountGrantsTheAppAndSetsTheSetting(string setting, string parameter, string environmentVariable, string accountParameter, string accountPrefix)
    {
        var main = File.ReadAllText(Path.Combine(Root, "infra", "main.bicep"));
        var storage = File.ReadAllText(Path.Combine(Root, "infra", "modules", "storage.bicep"));
        var rbac = File.ReadAllText(Path.Combine(Root, "infra", "modules", "rbac.bicep"));
        var app = File.ReadAllText(Path.Combine(Root, "infra", "modules", "function-app.bicep"));

        // Off unless asked for, read from the azd environment, passed to the storage module.
        Assert.Matches($@"@description\('[^']+'\)\s+param {parameter} bool = false", main);
        Assert.Contains($"param {parameter} = bool(readEnvironmentVariable('{environmentVariable}', 'false'))", File.ReadAllText(Path.Combine(Root, "infra", "main.bicepparam")), StringComparison.Ordinal);
        Assert.Contains($"{parameter}: {parameter}", main, StringComparison.Ordinal);
        // The module makes the account with the shared hardening only when asked, under a resourceToken name.
        Assert.Matches($@"module \w+ 'storage-account\.bicep' = if \({parameter}\) \{{\s+name: '[\w-]+'\s+params: \{{\s+name: '{accountPrefix}\$\{{resourceToken\}}'", storage);
        Assert.Contains($"{accountParameter}: storage.outputs.", main, StringComparison.Ordinal);
        // The app reaches it with its identity, under the setting the core reads.
        foreach (var (part, value) in new[] { ("accountName", accountParameter), ("credential", "'managedidentity'"), ("clientId", "identityClientId") })
        {
            Assert.Contains($"{{ name: '{setting}__{part}', value: {value} }}", app, StringComparison.Ordinal);
        }

        // And holds a data role on it: Table Data Contributor for tables, Blob Data Contributor for payloads.
        var role = setting == StorageAccountOptions.PayloadSetting ? "storageBlobDataContributor" : "storageTableDataContributor";
        Assert.Matches($@"resource \w+ 'Microsoft.Authorization/roleAssignments@[\d-]+' = (if \([^)]*{accountParameter}[^)]*\) )?\{{\s+name: guid\(\w+Storage\.id, principalId, roles\.{role}\)", rbac);
        Assert.Contains($"name: {accountParameter}", rbac, StringComparison.Ordinal);

        var deploy = File.ReadAllText(Path.Combine(Root, "docs", "deploy.md"));
        Assert.Contains(environmentVariable, deploy, StringComparison.Ordinal);
        Assert.Contains(parameter, deploy, StringComparison.Ordinal);
        Assert.Contains(setting, File.ReadAllText(Path.Combine(Root, "README.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void AccountHardening_IsOneModule_AndIdentityOnly()
    {
        var account = File.ReadAllText(Path.Combine(Root, "infra", "modules", "storage-account.bicep"));
        Assert.Contains("allowSharedKeyAccess: false", account, StringComparison.Ordinal);
        Assert.Contains("allowBlobPublicAccess: false", account, StringComparison.Ordinal);
        Assert.Contains("minimumTlsVersion: 'TLS1_2'", account, StringComparison.Ordinal);
        // No other template declares a storage account of its own.
        var others = Directory.EnumerateFiles(Path.Combine(Root, "infra"), "*.bicep", SearchOption.AllDirectories)
            .Where(file => Path.GetFileName(file) != "storage-account.bicep"
                && Regex.IsMatch(File.ReadAllText(file), @"resource \w+ 'Microsoft\.Storage/storageAccounts@[\d-]+' = \{"))
            .ToList();
        Assert.True(others.Count == 0, "Storage accounts declared outside storage-account.bicep: " + string.Join(", ", others));
    }

    [Fact]
    public void ReplayerRunBudget_EndsAMinuteBeforeTheFunctionTimeout()
    {
        using var hostJson = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "host.json")));
        var timeout = TimeSpan.Parse(hostJson.RootElement.GetProperty("functionTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(new DeadLetterOptions().RunBudget <= timeout - TimeSpan.FromMinutes(1), $"The replayer's run budget must leave its last batches and the late-link re-check time before functionTimeout {timeout}.");
    }

    [Fact]
    public void DeadLetterAlert_QueriesThePipelinesOwnMetrics()
    {
        var bicep = File.ReadAllText(Path.Combine(Root, "infra", "modules", "alerts.bicep"));
        Assert.Contains($"customMetrics | where (name == \"{PipelineTelemetry.PoisonDepth.Name}\"", bicep, StringComparison.Ordinal);
        Assert.Contains($"(name == \"{PipelineTelemetry.Parked.Name}\" and valueSum > 0)", bicep, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SALESFORCE_CLIENT_SECRET", "salesforceClient")]
    [InlineData("STRIPE_API_KEY", "stripeApiKey")]
    [InlineData("SCALEKIT_CLIENT_SECRET", "scalekitClient")]
    public void ApiSecrets_AreKeyVaultReferences_WrittenByTheVaultModule(string setting, string secret)
    {
        var app = File.ReadAllText(Path.Combine(Root, "infra", "modules", "function-app.bicep"));
        var vault = File.ReadAllText(Path.Combine(Root, "infra", "modules", "keyvault.bicep"));
        Assert.Contains($"{{ name: '{setting}', value: '@Microsoft.KeyVault(SecretUri=${{secretUris.{secret}}})' }}", app, StringComparison.Ordinal);
        Assert.Matches($@"output secretUris object = \{{[\s\S]*\n  {secret}: ", vault);
        // The secret comes in as a secure parameter, never as an app setting value.
        var main = File.ReadAllText(Path.Combine(Root, "infra", "main.bicep"));
        var parameter = Regex.Match(vault, $@"name: secretNames\.{secret}\s[\s\S]*?properties: \{{ value: (?<param>\w+) \}}").Groups["param"].Value;
        Assert.False(string.IsNullOrEmpty(parameter), $"keyvault.bicep writes no secret {secret} from a parameter.");
        Assert.Matches($@"@secure\(\)\s+@description\('[^']*'\)\s+param {parameter} string = ''", main);
    }

    [Theory]
    [InlineData("SALESFORCE_INSTANCE_URL", "salesforceInstanceUrl")]
    [InlineData("SALESFORCE_CLIENT_ID", "salesforceClientId")]
    [InlineData("SALESFORCE_API_VERSION", "salesforceApiVersion")]
    [InlineData("CRM_SYNC_SCHEDULE", "crmSyncSchedule")]
    [InlineData("CRM_ACCOUNT_FIELDS", "crmAccountFields")]
    [InlineData("CRM_CONTACT_FIELDS", "crmContactFields")]
    [InlineData("CRM_ENTERPRISE_FEATURES", "crmEnterpriseFeatures")]
    [InlineData("CRM_ACCOUNT_PUSH_FIELDS", "crmAccountPushFields")]
    [InlineData("CRM_API_USAGE_CEILING", "string(crmApiUsageCeiling)")]
    public void CrmSettings_AreAppSettings_FromMainBicepParameters(string setting, string value)
    {
        var app = File.ReadAllText(Path.Combine(Root, "infra", "modules", "function-app.bicep"));
        var main = File.ReadAllText(Path.Combine(Root, "infra", "main.bicep"));
        var parameters = File.ReadAllText(Path.Combine(Root, "infra", "main.bicepparam"));
        Assert.Contains($"{{ name: '{setting}', value: {value} }}", app, StringComparison.Ordinal);
        var parameter = value.Replace("string(", string.Empty, StringComparison.Ordinal).TrimEnd(')');
        Assert.Contains($"{parameter}: {parameter}", main, StringComparison.Ordinal);
        Assert.Contains($"readEnvironmentVariable('{setting}'", parameters, StringComparison.Ordinal);
        Assert.Contains(setting, File.ReadAllText(Path.Combine(Root, "docs", "crm.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void CrmAlert_FiresOnRepeatedCrmFailures_FromTheIntegrationMetric()
    {
        var bicep = File.ReadAllText(Path.Combine(Root, "infra", "modules", "alerts.bicep"));
        Assert.Contains($"customMetrics | where name == \"{IntegrationTelemetry.RunsName}\" and tostring(customDimensions.integration) == \"crm\" and tostring(customDimensions.outcome) == \"failure\"", bicep, StringComparison.Ordinal);
        Assert.Matches(@"operator: 'GreaterThanOrEqual'\s+threshold: 3", bicep);
    }

    [Fact]
    public void DocsCliAndBicep_NameNoAdminRoute()
    {
        var files = new[] { "README.md" }
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, "docs"), "*.md"))
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, "infra"), "*.bicep*", SearchOption.AllDirectories))
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, "src", "Scalekit.Webhooks.Cli"), "*.cs"));
        var offenders = files.Where(f => AdminRoute().IsMatch(File.ReadAllText(Path.Combine(Root, f)))).ToList();
        Assert.True(offenders.Count == 0, "Still naming /api/admin routes: " + string.Join(", ", offenders));
    }

    private static YamlMappingNode Load(string file)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Root, file));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    // The quoted names of a Bicep array variable: var name = [ 'a' 'b' ... ].
    private static IEnumerable<string> BicepList(string bicep, string variable)
    {
        var list = Regex.Match(bicep, $@"var {variable} = \[(?<items>[^\]]*)\]");
        Assert.True(list.Success, $"storage.bicep has no array variable {variable}.");
        return Regex.Matches(list.Groups["items"].Value, "'([^']+)'").Select(m => m.Groups[1].Value);
    }

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;

    [GeneratedRegex(@"api/admin\b", RegexOptions.IgnoreCase)]
    private static partial Regex AdminRoute();
}
