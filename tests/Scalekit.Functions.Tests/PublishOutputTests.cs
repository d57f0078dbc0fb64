using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Scalekit.Webhooks.Crm;
using Scalekit.Webhooks.DeadLetters;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Http;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.LocalHost;
using Scalekit.Webhooks.Privacy;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;
using Scalekit.Webhooks.Stripe.Recovery;
using Scalekit.Webhooks.Testing;

namespace Scalekit.Functions.Tests;

/// <summary>The published Functions app, read the way the Functions host reads it.</summary>
public class PublishOutputTests
{
    private const string StorageConnection = "AzureWebJobsStorage";
    private static readonly string[] WebhookRoutes = [WebhookRequestHandler.FunctionRoute, WebhookRequestHandler.ConnectionFunctionRoute];

    private readonly PublishOutput output = PublishOutput.Load();

    [Fact]
    public void Metadata_BreaksNoHostRule()
    {
        Assert.NotEmpty(output.Functions);
        Assert.Empty(HostRules.Check(output.Functions));
    }

    [Fact]
    public void Metadata_WithAFunctionAddedUnderAReservedPrefix_FailsTheRules()
    {
        var template = output.Functions.First(f => f.IsHttp);
        var added = template with
        {
            Name = "OpsKeys",
            Bindings = [.. template.Bindings.Select(b => b == template.Trigger ? Rerouted(b, "admin/keys") : b)],
        };
        var problem = Assert.Single(HostRules.Check([.. output.Functions, added]));
        Assert.StartsWith("OpsKeys: route 'admin/keys' starts with 'admin'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void HttpRoutes_AreTheCoreRouteConstants()
    {
        // A route with more than one method (onboardings and HR connections: GET and POST; GET and DELETE) is one
        // function per method; the next test checks the methods.
        var expected = OpsRouteConstants().Concat(WebhookRoutes).Order(StringComparer.Ordinal);
        Assert.Equal(expected, output.Functions.Where(f => f.IsHttp).Select(f => f.HttpRoute).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task HttpRoutesAndMethods_AreTheOnesTheLocalHostServes()
    {
        var prefix = RoutePrefix();
        var published = output.Functions.Where(f => f.IsHttp)
            .SelectMany(f => f.Trigger!.Methods.Select(m => $"{m} /{prefix}/{f.HttpRoute}"))
            .Order(StringComparer.Ordinal);
        Assert.Equal((await LocalHostRoutes()).Where(r => !r.EndsWith("/api/health", StringComparison.Ordinal)).Order(StringComparer.Ordinal), published);
    }

    [Fact]
    public void Webhooks_AreAnonymous_OperationsRoutes_NeedAFunctionKey()
    {
        foreach (var function in output.Functions.Where(f => f.IsHttp))
        {
            var anonymous = WebhookRoutes.Contains(function.HttpRoute) || OpsRoutes.Anonymous.Contains(function.HttpRoute);
            Assert.True(
                string.Equals(function.Trigger!.Get("authLevel"), anonymous ? "Anonymous" : "Function", StringComparison.OrdinalIgnoreCase),
                $"{function.Name} ({function.HttpRoute}) has authLevel '{function.Trigger.Get("authLevel")}'; expected {(anonymous ? "Anonymous" : "Function")}.");
        }
    }

    [Fact]
    public void EventQueues_EveryShardOfEverySource_IsBoundOnce_WithTheStorageConnection()
    {
        var queues = output.Functions.Select(f => f.Trigger).Where(t => t?.Type == "queueTrigger").ToList();
        var everyShard = EventSources.Sources.SelectMany(source => StorageNames.AllShards.Select(shard => StorageNames.QueueFor(source, shard)));
        Assert.Equal(everyShard.Concat([StorageNames.OnboardingQueue, StorageNames.CrmPushQueue, StorageNames.ErasureQueue, StorageNames.StripeRecoveryQueue, StorageNames.SeatSyncQueue]).Order(StringComparer.Ordinal), queues.Select(q => q!.Get("queueName")).Order(StringComparer.Ordinal));
        Assert.Equal(EventSources.All.Count * StorageNames.MaxEventQueueShards + 5, queues.Count);
        Assert.All(queues, q => Assert.Equal(StorageConnection, q!.Get("connection")));
    }

    [Fact]
    public void EventQueues_ShardZero_KeepsTheUnshardedFunctionNames()
    {
        var byName = output.Functions.Where(f => f.Trigger?.Type == "queueTrigger").ToDictionary(f => f.Name, f => f.Trigger!.Get("queueName"));
        Assert.Equal(StorageNames.QueueFor(ScalekitSource.Id), byName["ScalekitEvents"]);
        Assert.Equal(StorageNames.QueueFor(StripeSource.Id), byName["StripeEvents"]);
        Assert.Equal(StorageNames.QueueFor(HrSource.Id), byName["HrEvents"]);
        Assert.Equal(StorageNames.QueueFor(StripeSource.Id, 15), byName["StripeEvents15"]);
    }

    [Fact]
    public void Timers_RunOnTheirScheduleSettings()
    {
        var timers = output.Functions.Where(f => f.Trigger?.Type == "timerTrigger").ToDictionary(f => f.Name, f => f.Trigger!.Get("schedule"));
        Assert.Equal(4, timers.Count);
        Assert.Equal("%" + DeadLetterOptions.ScheduleSetting + "%", timers["DeadLetterReplay"]);
        Assert.Equal("%" + RetentionOptions.ScheduleSetting + "%", timers["PayloadRetentionRun"]);
        Assert.Equal("%" + CrmOptions.ScheduleSetting + "%", timers["CrmSync"]);
        Assert.Equal("%" + StripeRecoveryOptions.ScheduleSetting + "%", timers["StripeReconcileSchedule"]);
    }

    [Fact]
    public void Output_HoldsTheRepositoryHostJson_AndNoLocalSettings()
    {
        Assert.True(File.Exists(output.PathOf("host.json")), "host.json is missing from the publish output.");
        Assert.Equal(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "host.json")), File.ReadAllText(output.PathOf("host.json")));
        Assert.False(File.Exists(output.PathOf("local.settings.json")), "local.settings.json must never be published.");
    }

    [Fact]
    public void WorkerConfig_StartsThePublishedAssembly_AndEveryEntryPointIsInIt()
    {
        var description = output.Json("worker.config.json").GetProperty("description");
        Assert.Equal("dotnet-isolated", description.GetProperty("language").GetString());
        Assert.Equal("dotnet", description.GetProperty("defaultExecutablePath").GetString());
        var worker = description.GetProperty("defaultWorkerPath").GetString()!;
        Assert.Equal("Scalekit.Functions.dll", worker);

        var methods = PublicMethods(output.PathOf(worker));
        foreach (var function in output.Functions)
        {
            Assert.Equal(worker, function.ScriptFile);
            Assert.True(methods.Contains(function.EntryPoint!), $"{function.Name}: entry point '{function.EntryPoint}' is not a public method of {worker}.");
        }
    }

    [Fact]
    public void Extensions_ListWhatTheBindingsNeed_AndShipIt()
    {
        var extensions = output.Json("extensions.json").GetProperty("extensions").EnumerateArray().ToList();
        var names = extensions.Select(e => e.GetProperty("name").GetString()).ToList();
        // HTTP and timer triggers are built into the host; queue triggers come from the storage queues extension.
        Assert.Contains("AzureStorageQueues", names);
        foreach (var extension in extensions)
        {
            var hint = extension.GetProperty("hintPath").GetString()!;
            Assert.True(File.Exists(Path.Combine(output.Path, hint)), $"extensions.json names {hint}, which is not in the publish output.");
        }

        var bindingTypes = output.Functions.SelectMany(f => f.Bindings).Select(b => b.Type).Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(["http", "httpTrigger", "queueTrigger", "timerTrigger"], bindingTypes);
    }

    private static BindingDefinition Rerouted(BindingDefinition trigger, string route)
    {
        var properties = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(trigger.Json.GetRawText())!;
        properties["route"] = JsonSerializer.SerializeToElement(route);
        return trigger with { Json = JsonSerializer.SerializeToElement(properties) };
    }

    private static IEnumerable<string> OpsRouteConstants() =>
        typeof(OpsRoutes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!);

    private string RoutePrefix() =>
        output.Json("host.json").TryGetProperty("extensions", out var extensions)
        && extensions.TryGetProperty("http", out var http)
        && http.TryGetProperty("routePrefix", out var prefix)
            ? prefix.GetString()!.Trim('/')
            : "api";

    private static async Task<List<string>> LocalHostRoutes()
    {
        await using var app = LocalHostApp.Build(["--urls", "http://127.0.0.1:0"]);
        return [.. ((IEndpointRouteBuilder)app).DataSources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["*"])
                .Select(m => $"{m} /{e.RoutePattern.RawText!.Trim('/')}"))];
    }

    private static HashSet<string> PublicMethods(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        var methods = new HashSet<string>(StringComparer.Ordinal);
        foreach (var typeHandle in reader.TypeDefinitions)
        {
            var type = reader.GetTypeDefinition(typeHandle);
            var typeName = $"{reader.GetString(type.Namespace)}.{reader.GetString(type.Name)}";
            foreach (var methodHandle in type.GetMethods())
            {
                var method = reader.GetMethodDefinition(methodHandle);
                if ((method.Attributes & System.Reflection.MethodAttributes.MemberAccessMask) == System.Reflection.MethodAttributes.Public)
                {
                    methods.Add($"{typeName}.{reader.GetString(method.Name)}");
                }
            }
        }

        return methods;
    }
}
